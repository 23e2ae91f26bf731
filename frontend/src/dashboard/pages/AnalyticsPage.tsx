import { Link } from "react-router-dom";
import { seconds } from "../../analytics/format";
import { UsageByDayCard } from "../../analytics/UsageByDayCard";
import { BarChartFigure } from "../../components/BarChartFigure";
import { QueryStatus } from "../../components/QueryStatus";
import { PageHeader } from "../PageHeader";
import { useStats, type Stats } from "../queries";
import { RequirePlatform } from "../RequirePlatform";

export default function AnalyticsPage() {
  return (
    <>
      <PageHeader title="Analytics" lead="Units your end users used, by day and by tier, this month or the last." />
      <RequirePlatform what="analytics">
        {(platformId) => (
          <>
            <UsageByDayCard platformId={platformId} />
            <ByTierCard platformId={platformId} />
          </>
        )}
      </RequirePlatform>
    </>
  );
}

/** This month's calls by tier and the end users behind them. */
function ByTierCard({ platformId }: { platformId: string }) {
  const stats = useStats(platformId);
  const data = stats.data;
  return (
    <section className="card" aria-labelledby="by-tier-title">
      <h2 id="by-tier-title">Calls by tier this month</h2>
      <QueryStatus query={stats} loading="Loading calls by tier…" what="calls by tier" />
      {data && (
        <p>
          <strong data-testid="analytics-calls">{data.calls.thisMonth.toLocaleString()}</strong> calls from{" "}
          <strong>{data.endUsers.activeThisMonth.toLocaleString()}</strong> active end users;{" "}
          <Link to="/dashboard/users?sort=percent">{data.endUsers.atOrOverLimit.toLocaleString()} at or over their limit</Link>.
        </p>
      )}
      {data && <CallsByTier byTier={data.calls.byTier} />}
      {data && Object.keys(data.calls.byTier).length === 0 && (
        <p className="empty">No calls this month yet: the tiers your users call under show up here.</p>
      )}
      <div className="actions spread">
        {data && (
          <p className="hint" data-testid="by-tier-freshness">
            As of {new Date(data.generatedAt).toLocaleTimeString()}; a call shows up here within {seconds(data.callsShowWithinSeconds)}.
          </p>
        )}
        <button className="secondary" disabled={stats.isFetching} onClick={() => stats.refresh()}>
          Refresh<span className="visually-hidden"> calls by tier</span>
        </button>
      </div>
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
