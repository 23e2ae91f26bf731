// Coming back from Stripe Checkout: what was being bought is remembered (this tab's
// sessionStorage) before leaving, so that the portal can wait for the webhook to apply it.
import { useCallback, useEffect, useState } from "react";
import { useLocation, useNavigate, useSearchParams } from "react-router-dom";
import { hasLiveSubscription, type UsageReport } from "./model";

const PENDING_KEY = "dreamapi.portal.pending";
const POLL_SECONDS = 45; // the subscription is cached up to 30 s per isolate (ISOLATE_CACHE_SECONDS)

type Pending =
  | { platformId: string; kind: "subscription"; tier: string }
  | { platformId: string; kind: "credits"; before: number };

export type Return =
  | { kind: "subscription"; outcome: "cancelled" | "waiting" | "done" | "slow"; tier: string | null }
  | { kind: "credits"; outcome: "cancelled" | "waiting" | "done" | "slow"; before: number | null };

export function rememberCheckout(pending: Pending): void {
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
}

function readPending(platformId: string): Pending | null {
  try {
    const value: unknown = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? "null");
    if (typeof value !== "object" || value === null || !("platformId" in value) || value.platformId !== platformId) {
      return null;
    }
    if ("kind" in value && value.kind === "subscription" && "tier" in value && typeof value.tier === "string") {
      return { platformId, kind: "subscription", tier: value.tier };
    }
    if ("kind" in value && value.kind === "credits" && "before" in value && typeof value.before === "number") {
      return { platformId, kind: "credits", before: value.before };
    }
  } catch {
    // nothing usable remembered
  }
  return null;
}

function fromUrl(query: URLSearchParams, platformId: string): Return | null {
  const pending = readPending(platformId);
  const checkout = query.get("checkout");
  if (checkout === "success" || checkout === "cancelled") {
    const tier = pending?.kind === "subscription" ? pending.tier : null;
    return { kind: "subscription", outcome: checkout === "success" ? "waiting" : "cancelled", tier };
  }
  const credits = query.get("credits");
  if (credits === "success" || credits === "cancelled") {
    const before = pending?.kind === "credits" ? pending.before : null;
    return { kind: "credits", outcome: credits === "success" ? "waiting" : "cancelled", before };
  }
  return null;
}

function applied(state: Return, report: UsageReport): boolean {
  if (state.kind === "subscription") {
    return state.tier ? report.subscription.tier === state.tier && hasLiveSubscription(report) : hasLiveSubscription(report);
  }
  return state.before !== null && (report.usage.credits ?? 0) > state.before;
}

/** The checkout the page came back from (read once, then removed from the URL); while its
 * outcome is "waiting" the caller polls /api/usage and passes each report to `settle`. */
export function useReturnFromCheckout(platformId: string) {
  const [query] = useSearchParams();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const [state, setState] = useState<Return | null>(() => fromUrl(query, platformId));
  const [deadline] = useState(() => Date.now() + POLL_SECONDS * 1000);

  useEffect(() => {
    if (query.has("checkout") || query.has("credits")) {
      sessionStorage.removeItem(PENDING_KEY);
      navigate(pathname, { replace: true });
    }
  }, [query, navigate, pathname]);

  const settle = useCallback(
    (report: UsageReport) =>
      setState((current) => {
        if (current?.outcome !== "waiting") return current;
        if (applied(current, report)) return { ...current, outcome: "done" };
        const unknowable = current.kind === "credits" && current.before === null;
        return Date.now() > deadline || unknowable ? { ...current, outcome: "slow" } : current;
      }),
    [deadline],
  );
  const dismiss = useCallback(() => setState(null), []);
  return { state, settle, dismiss };
}
