import { Link } from "react-router-dom";
import { seconds } from "../../analytics/format";
import { recentMonths, useUsageByDay } from "../../analytics/queries";
import { UnitsBy } from "../../analytics/UnitsBy";
import { readMonth, UsageByDayCard, writeMonth } from "../../analytics/UsageByDayCard";
import { BarChartFigure } from "../../components/BarChartFigure";
import { QueryStatus } from "../../components/QueryStatus";
import { PageHeader } from "../PageHeader";
import { useUrlState } from "../useUrlState";
import { useStats, type Stats } from "../queries";
import { RequirePlatform } from "../RequirePlatform";

export default function AnalyticsPage() {
  return (
    <>
      <PageHeader title="Analytics" lead="Units your end users used, by day, by tier, and by gateway route and model, this month or the last." />
      <RequirePlatform what="analytics">
        {(platformId) => (
          <>
            <UsageByDayCard platformId={platformId} />
            <UnitsByCard platformId={platformId} />
            <ByTierCard platformId={platformId} />
          </>
        )}
      </RequirePlatform>
    </>
  );
}

/** Units of gateway calls by route and by model, in the month the units-per-day card shows (the
 * same report, so one request). */
function UnitsByCard({ platformId }: { platformId: string }) {
  const [month] = useUrlState(readMonth, writeMonth);
  const report = useUsageByDay(platformId, month);
  const data = report.data;
  const label = month === recentMonths().thisMonth ? "this month" : "last month";
  return (
    <section className="card" aria-labelledby="units-by-title">
      <h2 id="units-by-title">Units by gateway route and model</h2>
      <QueryStatus query={report} loading="Loading units by route and model…" what="units by route and model" />
      {data && <UnitsBy byRoute={data.totals.byRoute} byModel={data.totals.byModel} testId="units-by" empty={`No calls through your gateway ${label}.`} />}
      <div className="actions spread">
        {data && <p className="hint">{data.month}; as of {new Date(data.generatedAt).toLocaleTimeString()}.</p>}
        <button className="secondary" disabled={report.isFetching} onClick={() => report.refetch()}>
          Refresh<span className="visually-hidden"> units by route and model</span>
        </button>
      </div>
    </section>
  );
}

/** This month's units by tier (the dashboard's `calls` figures count units) and the end users
 * behind them. */
function ByTierCard({ platformId }: { platformId: string }) {
  const stats = useStats(platformId);
  const data = stats.data;
  return (
    <section className="card" aria-labelledby="by-tier-title">
      <h2 id="by-tier-title">Units by tier this month</h2>
      <QueryStatus query={stats} loading="Loading units by tier…" what="units by tier" />
      {data && (
        <p>
          <strong data-testid="analytics-calls">{data.calls.thisMonth.toLocaleString()}</strong> units from{" "}
          <strong>{data.endUsers.activeThisMonth.toLocaleString()}</strong> active end users;{" "}
          <Link to="/dashboard/users?sort=percent">{data.endUsers.atOrOverLimit.toLocaleString()} at or over their limit</Link>.
        </p>
      )}
      {data && <CallsByTier byTier={data.calls.byTier} />}
      {data && Object.keys(data.calls.byTier).length === 0 && (
        <p className="empty">No units this month yet: the tiers your users call under show up here.</p>
      )}
      <div className="actions spread">
        {data && (
          <p className="hint" data-testid="by-tier-freshness">
            As of {new Date(data.generatedAt).toLocaleTimeString()}; a call shows up here within {seconds(data.callsShowWithinSeconds)}.
          </p>
        )}
        <button className="secondary" disabled={stats.isFetching} onClick={() => stats.refresh()}>
          Refresh<span className="visually-hidden"> units by tier</span>
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
      caption={`Units this month by tier: ${tiers.map(([tier, units]) => `${tier} ${units}`).join(", ")}.`}
      xLabel="Tier"
      yLabel="Units"
      valueName="Units"
      height={200}
    />
  );
}
