// What the end users' portal reads and sends: api_multi's public and end-user routes through
// the typed client, wrapped as TanStack Query options, plus formatting and error wording.
import { queryOptions } from "@tanstack/react-query";
import type { Session } from "../../auth/context";
import { ApiError, apiMulti, bearer, unwrap, type ApiMultiReply } from "../../client";

export type TierList = ApiMultiReply<"get_api_tiers">;
export type Tier = TierList["tiers"][number];
export type PackList = ApiMultiReply<"get_api_credit_packs">;
export type Pack = PackList["packs"][number];
export type UsageReport = ApiMultiReply<"get_api_usage">;

export const NO_PAYMENTS =
  "This provider has not set up payments yet, so plans and credits cannot be bought here for now. " +
  "You can keep using your current plan.";

// Subscription states in which the subscribed tier applies (dreamapi.stripe_webhooks).
const LIVE_STATUSES = new Set(["active", "trialing", "past_due"]);

export function hasLiveSubscription(report: UsageReport): boolean {
  return report.subscription.tier !== null && LIVE_STATUSES.has(report.subscription.status);
}

export const tiersQuery = (platformId: string) =>
  queryOptions({
    queryKey: ["portal", "tiers", platformId],
    queryFn: () => unwrap(apiMulti.GET("/api/tiers", { params: { query: { platformId } } })),
  });

export const packsQuery = (platformId: string) =>
  queryOptions({
    queryKey: ["portal", "packs", platformId],
    queryFn: () => unwrap(apiMulti.GET("/api/credit-packs", { params: { query: { platformId } } })),
  });

export const usageQuery = (platformId: string, userId: string | null, getToken: Session["getToken"]) =>
  queryOptions({
    queryKey: ["portal", "usage", platformId, userId],
    queryFn: async () => {
      const token = await getToken();
      try {
        return await unwrap(apiMulti.GET("/api/usage", { headers: bearer(token) }));
      } catch (error) {
        if (!(error instanceof ApiError && error.code === "no_platform")) throw error;
        // a new account of the customer app: it joins this platform, and a token issued after
        // that names it (an account of another platform is a 409 other_platform)
        await unwrap(apiMulti.POST("/api/portal/join", { body: { platformId }, headers: bearer(token) }));
        return unwrap(apiMulti.GET("/api/usage", { headers: bearer(await getToken({ fresh: true })) }));
      }
    },
  });

/** Whether the developer connected Stripe, when /api/tiers says so (`stripeConnected`); null
 * when the answer does not tell. */
export function stripeConnected(tiers: TierList): boolean | null {
  return "stripeConnected" in tiers && typeof tiers.stripeConnected === "boolean" ? tiers.stripeConnected : null;
}

export function money(cents: number, currency = "usd"): string {
  try {
    return new Intl.NumberFormat("en-US", {
      style: "currency",
      currency: currency.toUpperCase(),
      maximumFractionDigits: cents % 1 === 0 ? 2 : 4,
    }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency.toUpperCase()}`;
  }
}

export const count = (n: number) => n.toLocaleString("en-US");

export function shortDate(iso: string): string {
  const date = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
}

/** What to tell an end user about a failed call, in their terms. */
export function problem(error: unknown): string {
  if (!(error instanceof ApiError)) {
    return error instanceof Error ? error.message : "Something went wrong. Try again.";
  }
  switch (error.code) {
    case "stripe_not_connected":
      return NO_PAYMENTS;
    case "not_subscribed":
      return "You have no subscription to manage yet: choose a paid plan first.";
    case "already_subscribed":
      return "You already have this plan. Use “Manage billing” to change or cancel it.";
    case "tier_not_purchasable":
      return "This plan cannot be bought online.";
    case "unknown_tier":
    case "unknown_pack":
      return "This offer has changed. Reload the page to see the current plans and credit packs.";
    case "stripe_unavailable":
      return "Payments are unavailable right now. Try again in a minute.";
    case "no_platform":
      return "Your account is not linked to an API provider yet. Reload the page to link it to this one.";
    case "other_platform":
      return "This account belongs to another API provider's portal. Sign out, then sign up with another email.";
    case "portal_signup_unavailable":
      return "Signing up on this portal is not available right now. Ask the provider for access.";
    case "clerk_unavailable":
      return "The sign-in service could not be reached. Try again in a moment.";
    case "platform_not_found":
      return "Your account belongs to an API provider that no longer exists.";
    default:
      if (error.status === 401) return "Your session has expired. Sign out, then sign in again.";
      return error.message || "Something went wrong. Try again.";
  }
}
