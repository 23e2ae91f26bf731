import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useSession } from "../auth/context";
import { apiMulti, bearer, unwrap, type ApiMultiReply } from "../client";
import { queryKeys } from "../hooks/queryKeys";
import { BarChartFigure } from "./BarChartFigure";
import { QueryStatus } from "./QueryStatus";

type Stats = ApiMultiReply<"get_api_developer_dashboard">;

const dollars = (cents: number) => `$${(cents / 100).toFixed(2)}`;

/** The platform's end users this month: counts, calls by tier (a chart), revenue and overage. */
export function StatsCard({ platformId }: { platformId: string }) {
  const session = useSession();
  // Refresh asks for a new snapshot (?refresh=1); each one is its own query, and the previous
  // numbers stay on screen until it answers.
  const [refreshes, setRefreshes] = useState(0);
  const stats = useQuery({
    queryKey: [...queryKeys.stats(session.userId, platformId), refreshes],
    queryFn: async () =>
      unwrap(
        apiMulti.GET("/api/developer/dashboard", {
          headers: bearer(await session.getToken()),
          params: { query: refreshes ? { refresh: "1" } : {} },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const data = stats.data;
  return (
    <section className="card" aria-labelledby="stats-title">
      <h2 id="stats-title">Your end users this month</h2>
      <QueryStatus query={stats} loading="Loading stats…" what="stats" />
      {data && (
        <dl className="stats">
          <dt>End users</dt><dd data-testid="stats-users">{data.endUsers.total}</dd>
          <dt>Calls</dt><dd data-testid="stats-calls">{data.calls.thisMonth}</dd>
          <dt>At or over their limit</dt><dd>{data.endUsers.atOrOverLimit}</dd>
          <dt>Revenue</dt><dd>{dollars(data.revenue.totalCents)}</dd>
          {Object.entries(data.calls.byTier).map(([tier, calls]) => (
            <div key={tier} className="by-tier"><dt>{tier}</dt><dd>{calls}</dd></div>
          ))}
        </dl>
      )}
      {data && <CallsByTier byTier={data.calls.byTier} />}
      {data?.overage && data.overage.units > 0 && <Overage overage={data.overage} />}
      {data && data.endUsers.total === 0 && <p className="empty">No end-user calls yet — try the quick start below.</p>}
      {data && (
        <p className="empty" data-testid="stats-freshness">
          As of {data.generatedAt ? new Date(data.generatedAt).toLocaleTimeString() : "now"}
          {data.callsShowWithinSeconds !== undefined &&
            `; a call shows up here within ${data.callsShowWithinSeconds} seconds`}
          .
        </p>
      )}
      <button className="secondary" disabled={stats.isFetching} onClick={() => setRefreshes((n) => n + 1)}>
        Refresh
      </button>
      {stats.isFetching && data && <span role="status" className="visually-hidden">Refreshing stats…</span>}
    </section>
  );
}

function CallsByTier({ byTier }: { byTier: Stats["calls"]["byTier"] }) {
  const tiers = Object.entries(byTier);
  const total = tiers.reduce((sum, [, calls]) => sum + calls, 0);
  if (tiers.length === 0 || total === 0) return null;
  return (
    <BarChartFigure
      testId="tier-chart"
      bars={tiers.map(([tier, calls]) => ({ key: tier, label: tier, value: calls }))}
      caption={`Calls this month by tier: ${tiers.map(([tier, calls]) => `${tier} ${calls}`).join(", ")}.`}
      xLabel="Tier"
      yLabel="Calls"
      valueName="Calls"
      height={200}
    />
  );
}

function Overage({ overage }: { overage: NonNullable<Stats["overage"]> }) {
  return (
    <div className="table-scroll">
      <table data-testid="overage-users">
        <caption className="hint">
          Overage this period: <span data-testid="overage-units">{overage.units}</span> units,{" "}
          <span data-testid="overage-revenue">{dollars(overage.revenueCents)}</span> billed
          through your Stripe meter (top users)
        </caption>
        <thead>
          <tr><th scope="col">End user</th><th scope="col">Tier</th><th scope="col">Overage units</th><th scope="col">Revenue</th></tr>
        </thead>
        <tbody>
          {overage.users.map((user, index) => (
            <tr key={user.userId ?? index}>
              <th scope="row">{user.userId}</th><td>{user.tier}</td><td>{user.units}</td>
              <td>{dollars(user.revenueCents ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
