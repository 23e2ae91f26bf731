import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, useParams } from "react-router-dom";
import { useSession } from "../../auth/context";
import { useEndUser, type EndUserDetail } from "../../analytics/queries";
import { apiMulti, bearer, unwrap } from "../../client";
import { UnitsBy } from "../../analytics/UnitsBy";
import { BarChartFigure } from "../../components/BarChartFigure";
import { EndUserKeysCard } from "../../components/EndUserKeysCard";
import { QueryStatus } from "../../components/QueryStatus";
import { Field, FormErrorSummary } from "../FormErrors";
import { formErrors } from "../fieldErrors";
import { PageHeader } from "../PageHeader";
import { dollars } from "../queries";
import { RequirePlatform } from "../RequirePlatform";
import { useToast } from "../toast";
import "../../analytics/analytics.css";

/** One end user of the developer's platform, exact (read from their meter): usage by day, what open
 * reservations hold, units by gateway route and model, their own keys, tier, credits (grant or
 * remove), overage, and the webhook events about them. */
export default function EndUserPage() {
  const { userId = "" } = useParams();
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <ol>
          <li><Link to="/dashboard/users">End users</Link></li>
          <li aria-current="page"><code>{userId}</code></li>
        </ol>
      </nav>
      <PageHeader title={<>End user <code data-testid="end-user-id">{userId}</code></>} />
      <RequirePlatform what="end users">{(platformId) => <EndUser platformId={platformId} userId={userId} />}</RequirePlatform>
    </>
  );
}

function EndUser({ platformId, userId }: { platformId: string; userId: string }) {
  const user = useEndUser(platformId, userId);
  const data = user.data;
  return (
    <>
      <QueryStatus query={user} loading="Loading this end user…" what="this end user" />
      {data && (
        <>
          {/* one section per concern of this end user */}
          <Usage data={data} refetch={() => user.refetch()} fetching={user.isFetching} />
          <section className="card" aria-labelledby="user-units-by-title">
            <h2 id="user-units-by-title">Units through the gateway this month</h2>
            <UnitsBy byRoute={data.unitsBy.route} byModel={data.unitsBy.model} testId="user-units-by" empty="None yet." />
          </section>
          <EndUserKeysCard platformId={platformId} userId={data.userId} />
          <Credits data={data} platformId={platformId} />
          <div className="two-columns">
            <Overage data={data} />
            <Events data={data} />
          </div>
        </>
      )}
    </>
  );
}

function Usage({ data, refetch, fetching }: { data: EndUserDetail; refetch: () => void; fetching: boolean }) {
  const usage = data.usage;
  return (
    <section className="card" aria-labelledby="user-usage-title">
      <h2 id="user-usage-title">This month ({usage.periodStart} to {usage.periodEnd})</h2>
      <dl className="user-facts">
        <div><dt>Units</dt><dd data-testid="user-units">{usage.count}</dd></div>
        <div><dt>Limit</dt><dd data-testid="user-limit">{usage.limit}</dd></div>
        <div><dt>Remaining</dt><dd data-testid="user-remaining">{usage.remaining}</dd></div>
        <div><dt>Held by reservations</dt><dd data-testid="user-held">{usage.held ?? 0}</dd></div>
        <div><dt>Tier</dt><dd data-testid="user-plan">{usage.plan}</dd></div>
        <div><dt>Credits</dt><dd data-testid="user-credits">{data.credits.balance}</dd></div>
        <div><dt>Subscription</dt><dd data-testid="user-subscription">{data.subscription.tier ? `${data.subscription.tier} (${data.subscription.status})` : "none"}</dd></div>
      </dl>
      {(usage.held ?? 0) > 0 && (
        <p className="hint" data-testid="user-held-hint">
          {usage.held} units are set aside for work in progress (reservations, gateway calls on their way): nothing else can
          spend them until each is settled, released or expires.
        </p>
      )}
      {data.lastCountedTier && data.lastCountedTier !== usage.plan && (
        <p className="hint">Their latest call counted against <strong>{data.lastCountedTier}</strong> (X-User-Plan).</p>
      )}
      {usage.count === 0 ? (
        <p className="empty">No units counted this month: their calls show up here as soon as they are metered.</p>
      ) : (
        <BarChartFigure
          testId="user-daily-chart"
          bars={data.daily.map((day) => ({ key: day.date, label: day.date.slice(8), value: day.count }))}
          caption={`Units per day this month: ${usage.count} in all.`}
          xLabel="Day of month"
          yLabel="Units"
          valueName="Units"
          tooltipLabel={(bar) => bar.key}
          height={200}
        />
      )}
      <div className="actions spread">
        <p className="hint">Exact, read from the meter at {new Date(data.generatedAt).toLocaleTimeString()}.</p>
        <button className="secondary" disabled={fetching} onClick={refetch}>Refresh<span className="visually-hidden"> this end user</span></button>
      </div>
    </section>
  );
}

/** The credit balance and ledger, and a grant (positive units) or removal (negative). */
function Credits({ data, platformId }: { data: EndUserDetail; platformId: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [units, setUnits] = useState("");
  const [reason, setReason] = useState("");
  const apply = useMutation({
    mutationFn: async ({ units, reason }: { units: number; reason: string }) =>
      unwrap(
        apiMulti.POST("/api/developer/users/{userId}/credits", {
          headers: bearer(await session.getToken()),
          params: { path: { userId: data.userId } },
          body: { units, reason },
        }),
      ),
    onSuccess: async (reply) => {
      setUnits("");
      setReason("");
      const change = reply.entry.units;
      toast(`${change > 0 ? `Granted ${change}` : `Removed ${-change}`} units: ${reply.userId} now has ${reply.balance}.`);
      // the page's figures, and the end users table (credits column)
      await queryClient.invalidateQueries({ queryKey: ["developer", session.userId, platformId] });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    apply.mutate({ units: Number(units), reason });
  };
  const errors = formErrors(apply.error, ["units", "reason"], { insufficient_credits: "units" });
  const entries = data.credits.entries;
  return (
    <section className="card" aria-labelledby="user-credits-title" id="credits">
      <h2 id="user-credits-title">Credits</h2>
      <p>
        Balance: <strong data-testid="credit-balance">{data.credits.balance}</strong> units. Credits pay for units past
        the tier&apos;s monthly limit.
      </p>
      <form className="inline-form" onSubmit={submit} aria-label="Grant or remove credits">
        <Field errors={errors} path="units" label="Units (negative to remove)">
          {(props) => <input type="number" value={units} onChange={(e) => setUnits(e.target.value)} required {...props} />}
        </Field>
        <Field errors={errors} path="reason" label="Reason">
          {(props) => <input value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} {...props} />}
        </Field>
        <button type="submit" data-testid="apply-credits" disabled={apply.isPending}>{apply.isPending ? "Applying…" : "Apply"}</button>
      </form>
      <FormErrorSummary errors={errors} what="Credits" testId="credits-error" />
      {entries.length === 0 ? (
        <p className="empty">No ledger entries yet: grant credits above, or sell credit packs on your pricing page.</p>
      ) : (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Credit ledger">
          <table data-testid="ledger">
            <caption className="hint">Ledger, newest first</caption>
            <thead>
              <tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">Units</th><th scope="col">Reason</th><th scope="col">Balance after</th></tr>
            </thead>
            <tbody>
              {entries.map((entry, index) => (
                <tr key={`${entry.at}-${index}`}>
                  <td>{entry.date ?? new Date(entry.at).toLocaleString()}</td>
                  <td>{entry.kind.replace("_", "-")}</td>
                  <td>{entry.units > 0 ? `+${entry.units}` : entry.units}</td>
                  <td>{entry.reason}</td>
                  <td>{entry.balanceAfter}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Overage({ data }: { data: EndUserDetail }) {
  return (
    <section className="card" aria-labelledby="user-overage-title">
      <h2 id="user-overage-title">Overage</h2>
      {data.overage.units === 0 ? (
        <p className="empty">No units past the limit this month.</p>
      ) : (
        <p data-testid="user-overage">
          {data.overage.units} units past the limit, {dollars(data.overage.revenueCents)} at {data.overage.unitPriceCents}¢ a unit.
        </p>
      )}
    </section>
  );
}

function Events({ data }: { data: EndUserDetail }) {
  return (
    <section className="card" aria-labelledby="user-events-title">
      <h2 id="user-events-title">Recent webhook events</h2>
      {data.webhookEvents === null && <p className="error" role="alert">Webhook events cannot be read right now.</p>}
      {data.webhookEvents?.length === 0 && (
        <p className="empty">
          No webhook events about this user yet: your endpoints hear about them when they cross one of your{" "}
          <Link to="/dashboard/webhooks">alert thresholds</Link>.
        </p>
      )}
      {data.webhookEvents && data.webhookEvents.length > 0 && (
        <ul data-testid="user-events" className="event-list">
          {data.webhookEvents.map((event) => (
            <li key={event.id}>
              <strong>{event.type}</strong> at {new Date(event.createdAt).toLocaleString()}:{" "}
              {event.deliveries.map((delivery) => delivery.state).join(", ") || "no endpoint"}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
