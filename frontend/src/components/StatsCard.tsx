import { useState } from "react";
import { useSession } from "../auth/context";
import { call, type Stats } from "../api";
import { config } from "../config";
import { useLoad } from "../useLoad";

export function StatsCard() {
  const session = useSession();
  const [fresh, setFresh] = useState(0);
  const stats = useLoad(
    async () =>
      call<Stats>(config.apiMulti, `/api/developer/dashboard${fresh ? "?refresh=1" : ""}`, {
        token: await session.getToken(),
      }),
    [session.userId, fresh],
  );
  const data = stats.data;
  return (
    <section className="card" aria-labelledby="stats-title">
      <h2 id="stats-title">Your end users this month</h2>
      {stats.loading && !data && <p role="status">Loading stats…</p>}
      {stats.error && <p className="error" role="alert">{stats.error.message}</p>}
      {data && (
        <dl className="stats">
          <dt>End users</dt><dd data-testid="stats-users">{data.endUsers.total}</dd>
          <dt>Calls</dt><dd data-testid="stats-calls">{data.calls.thisMonth}</dd>
          <dt>At or over their limit</dt><dd>{data.endUsers.atOrOverLimit}</dd>
          <dt>Revenue</dt><dd>${(data.revenue.totalCents / 100).toFixed(2)}</dd>
          {Object.entries(data.calls.byTier).map(([tier, calls]) => (
            <div key={tier} className="by-tier"><dt>{tier}</dt><dd>{calls}</dd></div>
          ))}
        </dl>
      )}
      {data?.overage && data.overage.units > 0 && (
        <div className="table-scroll">
          <table data-testid="overage-users">
            <caption className="hint">
              Overage this period: <span data-testid="overage-units">{data.overage.units}</span> units,{" "}
              <span data-testid="overage-revenue">${(data.overage.revenueCents / 100).toFixed(2)}</span> billed
              through your Stripe meter (top users)
            </caption>
            <thead>
              <tr><th scope="col">End user</th><th scope="col">Tier</th><th scope="col">Overage units</th><th scope="col">Revenue</th></tr>
            </thead>
            <tbody>
              {data.overage.users.map((user) => (
                <tr key={user.userId}>
                  <th scope="row">{user.userId}</th><td>{user.tier}</td><td>{user.units}</td>
                  <td>${(user.revenueCents / 100).toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && data.endUsers.total === 0 && <p className="empty">No end-user calls yet — try the quick start below.</p>}
      {data && (
        <p className="empty" data-testid="stats-freshness">
          As of {new Date(data.generatedAt).toLocaleTimeString()}; a call shows up here within{" "}
          {data.callsShowWithinSeconds} seconds.
        </p>
      )}
      <button className="secondary" onClick={() => setFresh((n) => n + 1)}>Refresh</button>
    </section>
  );
}
