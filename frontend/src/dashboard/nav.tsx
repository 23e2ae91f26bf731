// The dashboard's sections: one entry each, in the sidebar's order. The sidebar, the routes under
// /dashboard and the pages' titles all come from this list, so a new section (the gateway, say) is
// one more entry here and one page module.
import { lazy, type ComponentType, type LazyExoticComponent } from "react";
import type { IconName } from "./Icon";

type Page = LazyExoticComponent<ComponentType>;

export type Section = {
  /** the path under /dashboard ("" is the overview) */
  path: string;
  /** the sidebar's label, also the page's title */
  label: string;
  icon: IconName;
  page: Page;
  /** deeper routes of the section; its sidebar entry stays current on them ("users/:userId") */
  more?: { path: string; page: Page }[];
};

export const SECTIONS: readonly Section[] = [
  { path: "", label: "Overview", icon: "home", page: lazy(() => import("./pages/OverviewPage")) },
  { path: "keys", label: "API keys", icon: "key", page: lazy(() => import("./pages/KeysPage")) },
  { path: "pricing", label: "Pricing", icon: "tag", page: lazy(() => import("./pages/PricingPage")) },
  { path: "gateway", label: "Gateway", icon: "gateway", page: lazy(() => import("./pages/GatewayPage")) },
  {
    path: "users",
    label: "End users",
    icon: "users",
    page: lazy(() => import("./pages/EndUsersPage")),
    more: [{ path: "users/:userId", page: lazy(() => import("./pages/EndUserPage")) }],
  },
  { path: "analytics", label: "Analytics", icon: "chart", page: lazy(() => import("./pages/AnalyticsPage")) },
  { path: "webhooks", label: "Webhooks and alerts", icon: "bell", page: lazy(() => import("./pages/WebhooksPage")) },
  { path: "billing", label: "Billing", icon: "card", page: lazy(() => import("./pages/BillingPage")) },
  { path: "settings", label: "Settings", icon: "gear", page: lazy(() => import("./pages/SettingsPage")) },
];

/** The URL of a section: `to("users")` is "/dashboard/users". */
export function to(path: string): string {
  return path ? `/dashboard/${path}` : "/dashboard";
}
