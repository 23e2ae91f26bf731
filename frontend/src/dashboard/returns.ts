// Coming back from a page of Stripe's or GitHub's. The workers send the browser back to
// /dashboard with the outcome in the query (?checkout=success, ?stripe=connected, ?github=denied,
// …); the dashboard then shows the outcome on the page the flow was started from (remembered here
// before leaving), or on the page that shows what changed, and drops the query from the URL so a
// reload does not announce it again.

const STORAGE_KEY = "dreamapi.dashboard.return-to";
const FRESH_MS = 60 * 60 * 1000;

export type Outcome = { text: string; ok: boolean; kind: "checkout" | "stripe" | "github" };

/** Before the browser leaves for a provider's page: come back to this page. */
export function rememberReturn(path = window.location.pathname) {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify({ path, at: Date.now() }));
  } catch {
    // storage refused (private mode): the outcome shows on the section's own page instead
  }
}

function rememberedReturn(): string | null {
  try {
    const stored: unknown = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null");
    sessionStorage.removeItem(STORAGE_KEY);
    if (typeof stored !== "object" || stored === null || !("path" in stored) || !("at" in stored)) return null;
    const { path, at } = stored as { path: unknown; at: unknown };
    if (typeof path !== "string" || typeof at !== "number" || Date.now() - at > FRESH_MS) return null;
    return path.startsWith("/dashboard") ? path : null;
  } catch {
    return null;
  }
}

/** The outcome a query reports, if it reports one. */
export function outcomeOf(query: URLSearchParams): Outcome | null {
  const checkout = query.get("checkout");
  if (checkout === "success") return { kind: "checkout", ok: true, text: "Thanks! Your subscription is active." };
  if (checkout === "cancelled") return { kind: "checkout", ok: true, text: "Checkout was cancelled; nothing was charged." };
  for (const kind of ["stripe", "github"] as const) {
    const outcome = query.get(kind);
    if (!outcome) continue;
    const name = kind === "stripe" ? "Stripe" : "GitHub";
    if (outcome === "connected") return { kind, ok: true, text: `${name} is connected.` };
    if (outcome === "denied") return { kind, ok: false, text: `${name} connection was cancelled.` };
    if (outcome === "onboarding") {
      return { kind, ok: true, text: "Stripe onboarding is done: the account shows as connected once Stripe confirms it." };
    }
    if (outcome === "onboarding_expired") {
      return { kind, ok: false, text: "The Stripe onboarding link expired: start it again from Settings." };
    }
    return { kind, ok: false, text: `${name} could not be connected (${query.get("reason") ?? "unknown error"}).` };
  }
  return null;
}

/** Where to show an outcome: the page its flow started from, else the page that shows the change. */
export function returnPath(outcome: Outcome): string {
  return rememberedReturn() ?? (outcome.kind === "checkout" ? "/dashboard/billing" : "/dashboard/settings");
}
