import { Link, useParams } from "react-router-dom";
import { DeveloperPage } from "../auth/AppAuth";
import { BarChartFigure } from "../components/BarChartFigure";
import { QueryStatus } from "../components/QueryStatus";
import { useCredentials } from "../hooks/useCredentials";
import { useEndUser, type EndUserDetail } from "./queries";
import "./analytics.css";

/** One end user of the developer's platform: exact usage by day, tier, credits, overage, events. */
export function EndUserPage() {
  return (
    <DeveloperPage>
      <SignedInEndUserPage />
    </DeveloperPage>
  );
}

function SignedInEndUserPage() {
  const { userId = "" } = useParams();
  const credentials = useCredentials();
  const platformId = credentials.data?.platformId ?? null;
  const user = useEndUser(platformId, userId);
  const data = user.data;
  return (
    <main className="page dashboard">
      <p><Link to="/dashboard">← Back to the dashboard</Link></p>
      <h1>End user <code data-testid="end-user-id">{userId}</code></h1>
      <QueryStatus query={credentials} loading="Loading your platform…" what="your platform" />
      {credentials.data === null && <p className="empty">Generate your credentials on the dashboard first.</p>}
      <QueryStatus query={user} loading="Loading this end user…" what="this end user" />
      {data && <Details data={data} refetch={() => user.refetch()} fetching={user.isFetching} />}
    </main>
  );
}

function Details({ data, refetch, fetching }: { data: EndUserDetail; refetch: () => void; fetching: boolean }) {
  const usage = data.usage;
  return (
    <>
      <section className="card" aria-labelledby="user-usage-title">
        <h2 id="user-usage-title">This month ({usage.periodStart} to {usage.periodEnd})</h2>
        <dl className="user-facts">
          <div><dt>Units</dt><dd data-testid="user-units">{usage.count}</dd></div>
          <div><dt>Limit</dt><dd data-testid="user-limit">{usage.limit}</dd></div>
          <div><dt>Remaining</dt><dd data-testid="user-remaining">{usage.remaining}</dd></div>
          <div><dt>Tier</dt><dd data-testid="user-plan">{usage.plan}</dd></div>
          <div><dt>Credits</dt><dd data-testid="user-credits">{data.credits.balance}</dd></div>
          <div><dt>Subscription</dt><dd data-testid="user-subscription">{data.subscription.tier ? `${data.subscription.tier} (${data.subscription.status})` : "none"}</dd></div>
        </dl>
        {data.lastCountedTier && data.lastCountedTier !== usage.plan && (
          <p className="hint">Their latest call counted against <strong>{data.lastCountedTier}</strong> (X-User-Plan).</p>
        )}
        {usage.count === 0 ? (
          <p className="empty">No units counted this month.</p>
        ) : (
          <BarChartFigure
            testId="user-daily-chart"
            bars={data.daily.map((day) => ({ key: day.date, label: day.date.slice(8), value: day.count }))}
            caption={`Units per day this month: ${usage.count} in all.`}
            xLabel="Day of month"
            yLabel="Units"
            valueName="Units"
            tooltipLabel={(bar) => bar.key}
          />
        )}
        <p className="hint">Exact, read from the meter at {new Date(data.generatedAt).toLocaleTimeString()}.</p>
        <button className="secondary" disabled={fetching} onClick={refetch}>Refresh<span className="visually-hidden"> this end user</span></button>
      </section>
      <section className="card" aria-labelledby="user-overage-title">
        <h2 id="user-overage-title">Overage</h2>
        {data.overage.units === 0 ? (
          <p className="empty">No units past the limit this month.</p>
        ) : (
          <p data-testid="user-overage">
            {data.overage.units} units past the limit, ${(data.overage.revenueCents / 100).toFixed(2)} at{" "}
            {data.overage.unitPriceCents}¢ a unit.
          </p>
        )}
      </section>
      <section className="card" aria-labelledby="user-ledger-title">
        <h2 id="user-ledger-title">Credits ledger</h2>
        {data.credits.entries.length === 0 ? (
          <p className="empty">No credits granted, bought or spent.</p>
        ) : (
          <div className="table-scroll">
            <table data-testid="user-ledger">
              <thead>
                <tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">Units</th><th scope="col">Reason</th><th scope="col">Balance after</th></tr>
              </thead>
              <tbody>
                {data.credits.entries.map((entry, index) => (
                  <tr key={`${entry.at}-${index}`}>
                    <td>{entry.date ?? new Date(entry.at).toLocaleString()}</td><td>{entry.kind}</td>
                    <td>{entry.units > 0 ? `+${entry.units}` : entry.units}</td><td>{entry.reason}</td><td>{entry.balanceAfter}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="user-events-title">
        <h2 id="user-events-title">Recent webhook events</h2>
        {data.webhookEvents === null && <p className="error" role="alert">Webhook events cannot be read right now.</p>}
        {data.webhookEvents?.length === 0 && <p className="empty">No webhook events about this user were sent to your endpoints.</p>}
        {data.webhookEvents && data.webhookEvents.length > 0 && (
          <ul data-testid="user-events">
            {data.webhookEvents.map((event) => (
              <li key={event.id}>
                <strong>{event.type}</strong> at {new Date(event.createdAt).toLocaleString()}:{" "}
                {event.deliveries.map((delivery) => delivery.state).join(", ") || "no endpoint"}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
