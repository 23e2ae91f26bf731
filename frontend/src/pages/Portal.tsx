// The end users' portal of one developer's API (/p/{platformId}): the plans and credit packs,
// and once signed in (the shared customer app) this month's usage and what is held, their own API
// keys, upgrades, credits and billing.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, useEffect } from "react";
import { useParams } from "react-router-dom";
import { useSession, type Session } from "../auth/context";
import { CustomerClerkSignIn } from "../auth/CustomerClerkAuth";
import { CustomerDevSignIn } from "../auth/CustomerDevAuth";
import { ApiError, apiMulti, bearer, unwrap } from "../client";
import { useDevAuth } from "../config";
import "../portal.css";
import {
  count,
  hasLiveSubscription,
  money,
  NO_PAYMENTS,
  packsQuery,
  problem,
  shortDate,
  stripeConnected,
  tiersQuery,
  usageQuery,
  type Pack,
  type Tier,
  type TierList,
  type UsageReport,
} from "./portal/model";
import { PortalKeys } from "./portal/PortalKeys";
import { rememberCheckout, useReturnFromCheckout, type Return } from "./portal/returnFromCheckout";
import { UsageChart } from "./portal/UsageChart";

export function Portal() {
  const { platformId = "" } = useParams();
  const session = useSession();
  const queryClient = useQueryClient();
  const tiers = useQuery(tiersQuery(platformId));
  const checkoutReturn = useReturnFromCheckout(platformId);
  const waiting = session.signedIn && checkoutReturn.state?.outcome === "waiting";
  const usage = useQuery({
    ...usageQuery(platformId, session.userId, session.getToken),
    enabled: session.signedIn && tiers.isSuccess,
    refetchInterval: waiting ? 1500 : false,
  });
  const { settle } = checkoutReturn;
  useEffect(() => {
    if (usage.data) settle(usage.data);
  }, [usage.data, usage.dataUpdatedAt, settle]);

  const missing = tiers.error instanceof ApiError && (tiers.error.status === 404 || tiers.error.status === 400);
  const report = usage.data;
  const elsewhere = report?.platformId !== undefined && report.platformId !== platformId;
  const signOut = () => {
    queryClient.removeQueries({ queryKey: ["portal", "usage"] });
    queryClient.removeQueries({ queryKey: ["portal", "keys"] });
    session.signOut();
  };

  return (
    <div className="portal-shell">
      <main className="page portal">
        <header className="portal-top">
          <div>
            <p className="portal-kicker">API customer portal</p>
            <h1>{missing ? "Portal not found" : "Plans and usage"}</h1>
            {!missing && (
              <p className="portal-hint">
                Provider <code data-testid="portal-platform">{platformId}</code>
              </p>
            )}
          </div>
          {session.signedIn && (
            <div className="portal-who">
              <span data-testid="portal-email">{session.email ?? session.userId}</span>
              <button type="button" className="portal-link-button" onClick={signOut}>
                Sign out
              </button>
            </div>
          )}
        </header>

        {tiers.isPending && <p role="status">Loading plans…</p>}
        {missing && <NotFound platformId={platformId} error={tiers.error} />}
        {tiers.isError && !missing && (
          <div className="portal-card" role="alert">
            <p className="portal-error">The plans could not be loaded: {problem(tiers.error)}</p>
            <button type="button" onClick={() => void tiers.refetch()}>
              Try again
            </button>
          </div>
        )}
        {tiers.data && (
          <>
            <ReturnNotice state={checkoutReturn.state} signedIn={session.signedIn} onDismiss={checkoutReturn.dismiss} />
            {stripeConnected(tiers.data) === false && (
              <p className="portal-warning" data-testid="payments-off">
                {NO_PAYMENTS}
              </p>
            )}
            <Account
              platformId={platformId}
              session={session}
              usage={usage}
              elsewhere={elsewhere}
              onSignOut={signOut}
            />
            {session.signedIn && report && !elsewhere && <PortalKeys platformId={platformId} session={session} />}
            <Plans
              platformId={platformId}
              tiers={tiers.data}
              session={session}
              report={elsewhere ? undefined : report}
            />
            <CreditPacks
              platformId={platformId}
              session={session}
              report={elsewhere ? undefined : report}
              payments={stripeConnected(tiers.data)}
            />
          </>
        )}
      </main>
    </div>
  );
}

function NotFound({ platformId, error }: { platformId: string; error: unknown }) {
  const malformed = error instanceof ApiError && error.status === 400;
  return (
    <div className="portal-card" role="alert" data-testid="portal-not-found">
      <p className="portal-error">
        {malformed
          ? `“${platformId}” is not a valid provider id, so this portal was not found.`
          : `No API provider with the id “${platformId}” was found.`}
      </p>
      <p>Check the link you were given, or ask the provider of the API for the right one.</p>
    </div>
  );
}

type ReturnNoticeProps = { state: Return | null; signedIn: boolean; onDismiss: () => void };

function ReturnNotice({ state, signedIn, onDismiss }: ReturnNoticeProps) {
  if (!state) return null;
  const what = state.kind === "subscription" ? "subscription" : "credits";
  let text: string;
  if (state.outcome === "cancelled") text = "Checkout was cancelled; nothing was charged.";
  else if (!signedIn) text = "Payment received, thank you. Sign in to see your plan and credits.";
  else if (state.outcome === "waiting") text = "Payment received, thank you.";
  else if (state.outcome === "done") {
    text =
      state.kind === "subscription"
        ? `Payment received: you are now on the ${state.tier ?? "new"} plan.`
        : "Payment received: your credits were added.";
  } else {
    text = `Payment received. Your ${what} will show here within a minute or two; use Refresh to check.`;
  }
  return (
    <div className={state.outcome === "cancelled" ? "portal-info" : "portal-success"} data-testid="checkout-notice">
      <p role="status">{text}</p>
      {signedIn && state.outcome === "waiting" && (
        <p role="status" className="portal-updating" data-testid="updating">
          <span className="portal-spinner" aria-hidden="true" /> Updating your {what}…
        </p>
      )}
      {state.outcome !== "waiting" && (
        <button type="button" className="portal-link-button" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

type UsageState = {
  data: UsageReport | undefined;
  error: unknown;
  isPending: boolean;
  isFetching: boolean;
  refetch: () => unknown;
};

function Account({
  platformId,
  session,
  usage,
  elsewhere,
  onSignOut,
}: {
  platformId: string;
  session: Session;
  usage: UsageState;
  elsewhere: boolean;
  onSignOut: () => void;
}) {
  return (
    <section className="portal-card" aria-labelledby="portal-account-title">
      <h2 id="portal-account-title">{session.signedIn ? "Your usage" : "Sign in"}</h2>
      {session.loading && <p role="status">Checking your sign-in…</p>}
      {!session.loading && !session.signedIn && (
        <>
          <p>Sign in to see your usage this month, upgrade your plan or buy credits.</p>
          {useDevAuth ? <CustomerDevSignIn platformId={platformId} /> : <CustomerClerkSignIn />}
        </>
      )}
      {session.signedIn && usage.isPending && <p role="status">Loading your usage…</p>}
      {session.signedIn && usage.error !== null && !usage.data && (
        <div role="alert">
          <p className="portal-error" data-testid="usage-error">
            {problem(usage.error)}
          </p>
          <div className="portal-actions">
            <button type="button" onClick={() => void usage.refetch()}>
              Try again
            </button>
            <button type="button" className="portal-secondary" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </div>
      )}
      {session.signedIn && usage.data && elsewhere && (
        <div role="alert" data-testid="other-platform">
          <p className="portal-error">
            You are signed in with an account of another API provider ({usage.data.platformId}), not of this
            one.
          </p>
          <p>Sign out, then sign in with the account you use for this provider&apos;s API.</p>
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </div>
      )}
      {session.signedIn && usage.data && !elsewhere && (
        <Usage platformId={platformId} report={usage.data} refreshing={usage.isFetching} onRefresh={usage.refetch} />
      )}
      {session.signedIn && usage.error !== null && usage.data && (
        <p className="portal-error" role="alert">
          Your usage could not be refreshed: {problem(usage.error)}
        </p>
      )}
    </section>
  );
}

/** A call answering `{url}` (Stripe Checkout, the Customer Portal) and the redirect to it;
 * `before` runs just before leaving. */
function useRedirect<Input>(
  send: (input: Input, token: string | null) => Promise<{ url: string }>,
  before?: (input: Input) => void,
) {
  const session = useSession();
  const mutation = useMutation({
    mutationFn: async (input: Input) => send(input, await session.getToken()),
    onSuccess: (reply, input) => {
      before?.(input);
      window.location.assign(reply.url);
    },
  });
  const { reset } = mutation;
  useEffect(() => {
    // back from Stripe with the browser's back button: the page comes back as it was left
    const restored = (event: PageTransitionEvent) => {
      if (event.persisted) reset();
    };
    window.addEventListener("pageshow", restored);
    return () => window.removeEventListener("pageshow", restored);
  }, [reset]);
  return mutation;
}

function pageUrl(platformId: string, query = ""): string {
  return `${window.location.origin}/p/${encodeURIComponent(platformId)}${query}`;
}

function Usage({
  platformId,
  report,
  refreshing,
  onRefresh,
}: {
  platformId: string;
  report: UsageReport;
  refreshing: boolean;
  onRefresh: () => unknown;
}) {
  const billing = useRedirect((_: void, token) =>
    unwrap(apiMulti.POST("/api/customer-portal", { body: { returnUrl: pageUrl(platformId) }, headers: bearer(token) })),
  );
  const { usage, daily, subscription } = report;
  const used = daily.some((day) => day.count > 0) || usage.count > 0;
  const subscribed = subscription.status !== "none";
  return (
    <>
      <dl className="portal-stats">
        <div>
          <dt>Plan</dt>
          <dd>
            <strong data-testid="current-tier">{usage.plan}</strong>
            {hasLiveSubscription(report) && <span className="portal-badge">subscribed</span>}
            {subscription.tier && !hasLiveSubscription(report) && (
              <span className="portal-hint"> ({subscription.tier} subscription {subscription.status})</span>
            )}
          </dd>
        </div>
        <div>
          <dt>Used this month</dt>
          <dd>
            <strong data-testid="usage-count">{count(usage.count)}</strong> of {count(usage.limit)} units
          </dd>
        </div>
        <div>
          <dt>Remaining</dt>
          <dd>
            <strong data-testid="usage-remaining">{count(usage.remaining)}</strong> units
          </dd>
        </div>
        <div>
          <dt>Held</dt>
          <dd>
            <strong data-testid="usage-held">{count(usage.held ?? 0)}</strong> units
            <span className="portal-hint portal-stat-note">set aside for calls in progress</span>
          </dd>
        </div>
        <div>
          <dt>Credits</dt>
          <dd>
            <strong data-testid="credits">{count(usage.credits ?? 0)}</strong> units
          </dd>
        </div>
        {(usage.overage ?? 0) > 0 && (
          <div>
            <dt>Overage</dt>
            <dd>
              <strong data-testid="overage">{count(usage.overage ?? 0)}</strong> units past the limit, billed
            </dd>
          </div>
        )}
      </dl>
      <progress
        className="portal-progress"
        max={Math.max(usage.limit, 1)}
        value={Math.min(usage.count, usage.limit)}
        aria-label="Share of this month's units used"
      >
        {count(usage.count)} of {count(usage.limit)}
      </progress>
      <p className="portal-hint">
        {shortDate(usage.periodStart)} to {shortDate(usage.periodEnd)}. Prepaid credits pay for units past your plan&apos;s
        limit.
      </p>
      {used ? (
        <UsageChart days={daily} periodStart={usage.periodStart} periodEnd={usage.periodEnd} />
      ) : (
        <p className="portal-empty">No usage yet this month.</p>
      )}
      <div className="portal-actions">
        {subscribed && (
          <button
            type="button"
            data-testid="manage-billing"
            disabled={billing.isPending || billing.isSuccess}
            onClick={() => billing.mutate()}
          >
            {billing.isPending || billing.isSuccess ? "Opening billing…" : "Manage billing"}
          </button>
        )}
        <button type="button" className="portal-secondary" onClick={() => void onRefresh()} disabled={refreshing}>
          {refreshing ? "Refreshing…" : "Refresh"}
        </button>
      </div>
      {billing.error && (
        <p className="portal-error" role="alert">
          {problem(billing.error)}
        </p>
      )}
    </>
  );
}

function Plans({
  platformId,
  tiers,
  session,
  report,
}: {
  platformId: string;
  tiers: TierList;
  session: Session;
  report: UsageReport | undefined;
}) {
  const checkout = useRedirect(
    (tier: string, token) =>
      unwrap(
        apiMulti.POST("/api/create-checkout", {
          body: {
            tier,
            successUrl: pageUrl(platformId, "?checkout=success"),
            cancelUrl: pageUrl(platformId, "?checkout=cancelled"),
          },
          headers: bearer(token),
        }),
      ),
    (tier) => rememberCheckout({ platformId, kind: "subscription", tier }),
  );
  const billing = useRedirect((_: void, token) =>
    unwrap(apiMulti.POST("/api/customer-portal", { body: { returnUrl: pageUrl(platformId) }, headers: bearer(token) })),
  );
  const payments = stripeConnected(tiers);
  const subscribed = report ? hasLiveSubscription(report) : false;
  const busy = checkout.isPending || checkout.isSuccess || billing.isPending || billing.isSuccess;
  const error = checkout.error ?? billing.error;
  return (
    <section className="portal-card" aria-labelledby="portal-plans-title">
      <h2 id="portal-plans-title">Plans</h2>
      {tiers.tiers.length === 0 ? (
        <p className="portal-empty">This provider has no plans yet.</p>
      ) : (
        <ul className="portal-tiers" data-testid="public-tiers">
          {tiers.tiers.map((tier) => (
            <TierCard key={tier.name} tier={tier} current={report?.usage.plan === tier.name}>
              <TierAction
                tier={tier}
                signedIn={session.signedIn}
                report={report}
                payments={payments}
                subscribed={subscribed}
                busy={busy}
                pendingTier={checkout.isPending || checkout.isSuccess ? checkout.variables : undefined}
                onUpgrade={(name) => checkout.mutate(name)}
                onManage={() => billing.mutate()}
              />
            </TierCard>
          ))}
        </ul>
      )}
      {!session.signedIn && tiers.tiers.some((tier) => tier.stripePriceId) && (
        <p className="portal-hint">Sign in above to upgrade.</p>
      )}
      {error && (
        <p className="portal-error" role="alert" data-testid="plans-error">
          {problem(error)}
        </p>
      )}
    </section>
  );
}

function TierCard({ tier, current, children }: { tier: Tier; current: boolean; children: ReactNode }) {
  const price = tier.priceCents ?? 0;
  return (
    <li
      className={current ? "portal-tier portal-tier-current" : "portal-tier"}
      aria-current={current ? "true" : undefined}
    >
      <h3>
        {tier.name}
        {current && <span className="portal-badge">Your plan</span>}
      </h3>
      <p className="portal-price">
        {price > 0 ? (
          <>
            {money(price, tier.currency)}
            <span> / month</span>
          </>
        ) : (
          "Free"
        )}
      </p>
      <ul className="portal-features">
        <li>{count(tier.limit)} units a month</li>
        <li>{count(tier.rateLimit ?? 100)} calls a minute</li>
        {tier.overage && <li>then {money(tier.overage.unitPriceCents, tier.currency)} per extra unit</li>}
      </ul>
      {children}
    </li>
  );
}

function TierAction({
  tier,
  signedIn,
  report,
  payments,
  subscribed,
  busy,
  pendingTier,
  onUpgrade,
  onManage,
}: {
  tier: Tier;
  signedIn: boolean;
  report: UsageReport | undefined;
  payments: boolean | null;
  subscribed: boolean;
  busy: boolean;
  pendingTier: string | undefined;
  onUpgrade: (tier: string) => void;
  onManage: () => void;
}) {
  if (!signedIn || !report) return null;
  if (report.usage.plan === tier.name) return null; // the card's "Your plan" badge says it
  if (!tier.stripePriceId) {
    return (tier.priceCents ?? 0) > 0 ? <p className="portal-hint portal-tier-note">Not sold online yet</p> : null;
  }
  if (subscribed) {
    return (
      <button type="button" className="portal-secondary" disabled={busy || payments === false} onClick={onManage}>
        Change plan in billing
      </button>
    );
  }
  return (
    <button type="button" disabled={busy || payments === false} onClick={() => onUpgrade(tier.name)}>
      {pendingTier === tier.name ? "Opening checkout…" : `Upgrade to ${tier.name}`}
    </button>
  );
}

function CreditPacks({
  platformId,
  session,
  report,
  payments,
}: {
  platformId: string;
  session: Session;
  report: UsageReport | undefined;
  payments: boolean | null;
}) {
  const packs = useQuery(packsQuery(platformId));
  const buy = useRedirect(
    (pack: string, token) =>
      unwrap(
        apiMulti.POST("/api/credits/checkout", {
          body: {
            pack,
            successUrl: pageUrl(platformId, "?credits=success"),
            cancelUrl: pageUrl(platformId, "?credits=cancelled"),
          },
          headers: bearer(token),
        }),
      ),
    () => rememberCheckout({ platformId, kind: "credits", before: report?.usage.credits ?? 0 }),
  );
  if (packs.isPending) return <p role="status">Loading credit packs…</p>;
  if (packs.isError) {
    return (
      <p className="portal-error" role="alert">
        Credit packs could not be loaded: {problem(packs.error)}
      </p>
    );
  }
  if (packs.data.packs.length === 0) return null; // this provider sells no credits
  const busy = buy.isPending || buy.isSuccess;
  return (
    <section className="portal-card" aria-labelledby="portal-credits-title">
      <h2 id="portal-credits-title">Credits</h2>
      <p className="portal-hint">Prepaid units, used once your plan&apos;s monthly units run out.</p>
      <ul className="portal-tiers" data-testid="credit-packs">
        {packs.data.packs.map((pack: Pack) => (
          <li className="portal-tier" key={pack.name}>
            <h3>{pack.name}</h3>
            <p className="portal-price">{money(pack.priceCents, pack.currency)}</p>
            <ul className="portal-features">
              <li>{count(pack.units)} units</li>
            </ul>
            {session.signedIn && report && (
              <button type="button" disabled={busy || payments === false} onClick={() => buy.mutate(pack.name)}>
                {busy && buy.variables === pack.name ? "Opening checkout…" : `Buy ${pack.name} credits`}
              </button>
            )}
          </li>
        ))}
      </ul>
      {!session.signedIn && <p className="portal-hint">Sign in above to buy credits.</p>}
      {buy.error && (
        <p className="portal-error" role="alert">
          {problem(buy.error)}
        </p>
      )}
    </section>
  );
}
