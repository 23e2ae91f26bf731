import { Link } from "react-router-dom";
import { seconds } from "../../analytics/format";
import { useUsageByDay, recentMonths, type UsageByDay } from "../../analytics/queries";
import { QueryStatus } from "../../components/QueryStatus";
import { useCredentials } from "../../hooks/useCredentials";
import { Checklist } from "../Checklist";
import { EmptyState, PageHeader } from "../PageHeader";
import { dollars, LIVE_MS, useStats } from "../queries";
import { CumulativeChart, Sparkline, type Cumulative } from "../TrendCharts";

export default function OverviewPage() {
  const platformId = useCredentials().data?.platformId ?? null;
  return (
    <>
      <PageHeader title="Overview" lead="Your API's end users this month, and what is left to set up." />
      <Checklist />
      {platformId ? (
        <ThisMonth platformId={platformId} />
      ) : (
        <section className="card" aria-labelledby="this-month-title">
          <h2 id="this-month-title">This month</h2>
          <EmptyState title="Your numbers show up here after your first metered call: create your API key above to start." />
        </section>
      )}
    </>
  );
}

/** This month's headline numbers, each with the shape of the month where there is one. */
function ThisMonth({ platformId }: { platformId: string }) {
  const stats = useStats(platformId);
  const months = recentMonths();
  // units by day come from the same snapshots as the totals, in a report of their own: while it
  // trails the totals (a call just arrived) it is asked for again
  const unitsNow = stats.data?.calls.thisMonth ?? 0;
  const current = useUsageByDay(platformId, months.thisMonth, (report) =>
    report && report.totals.units < unitsNow ? LIVE_MS : false,
  );
  const previous = useUsageByDay(platformId, months.lastMonth);
  const data = stats.data;
  const units = current.data;
  const refresh = () => {
    void stats.refresh();
    void current.refetch();
  };
  return (
    <section className="card" aria-labelledby="this-month-title">
      <div className="section-head">
        <h2 id="this-month-title">This month</h2>
        <button className="secondary" disabled={stats.isFetching || current.isFetching} onClick={refresh}>
          Refresh<span className="visually-hidden"> this month&apos;s numbers</span>
        </button>
      </div>
      <QueryStatus query={stats} loading="Loading this month's numbers…" what="this month's numbers" />
      {data && (
        <dl className="tiles">
          <div className="tile">
            <dt>Units</dt>
            <dd>
              <span className="tile-value" data-testid="stats-units">{data.calls.thisMonth.toLocaleString()}</span>
              <span className="tile-note">{units && previous.data ? versusLastMonth(units, previous.data) : "\u00a0"}</span>
              {units && <Sparkline values={units.days.map((day) => day.units)} testId="units-sparkline" />}
            </dd>
          </div>
          <div className="tile">
            <dt>Calls</dt>
            <dd>
              <span className="tile-value" data-testid="stats-calls">{units ? units.totals.calls.toLocaleString() : "…"}</span>
              <span className="tile-note">{units ? perCall(units) : "\u00a0"}</span>
            </dd>
          </div>
          <div className="tile">
            <dt>End users</dt>
            <dd>
              <span className="tile-value" data-testid="stats-users">{data.endUsers.total.toLocaleString()}</span>
              <span className="tile-note">{data.endUsers.activeThisMonth.toLocaleString()} active this month</span>
            </dd>
          </div>
          <div className="tile">
            <dt>At or over their limit</dt>
            <dd>
              <span className="tile-value" data-testid="stats-at-limit">{data.endUsers.atOrOverLimit.toLocaleString()}</span>
              <span className="tile-note">
                {data.endUsers.atOrOverLimit > 0 ? <Link to="/dashboard/users?sort=percent">See who</Link> : "nobody yet"}
              </span>
            </dd>
          </div>
          <div className="tile">
            <dt>Revenue</dt>
            <dd>
              <span className="tile-value" data-testid="stats-revenue">{dollars(data.revenue.totalCents)}</span>
              <span className="tile-note">
                {data.revenue.payments} payment{data.revenue.payments === 1 ? "" : "s"}
                {data.overage.revenueCents > 0 ? `, ${dollars(data.overage.revenueCents)} overage` : ""}
              </span>
            </dd>
          </div>
        </dl>
      )}
      {units && previous.data && units.totals.units + previous.data.totals.units > 0 && (
        <UnitsTrend current={units} previous={previous.data} />
      )}
      {data && (
        <p className="hint" data-testid="stats-freshness">
          As of {new Date(data.generatedAt).toLocaleTimeString()}; a call shows up here within {seconds(data.callsShowWithinSeconds)}.{" "}
          <Link to="/dashboard/analytics">More in Analytics</Link>
        </p>
      )}
    </section>
  );
}

function perCall(report: UsageByDay): string {
  if (report.totals.calls === 0) return "none yet";
  const units = report.totals.units / report.totals.calls;
  return `${units.toLocaleString(undefined, { maximumFractionDigits: 1 })} units a call`;
}

/** Units up to today's day of the month, against the same days of the month before. */
function sameDays(current: UsageByDay, previous: UsageByDay): { now: number; then: number } {
  const today = current.days.length;
  const now = current.totals.units;
  const then = previous.days.slice(0, today).reduce((sum, day) => sum + day.units, 0);
  return { now, then };
}

/** Units against the same days of last month. */
function versusLastMonth(current: UsageByDay, previous: UsageByDay): string {
  const { now, then } = sameDays(current, previous);
  if (then === 0) return now === 0 ? "none yet" : "none by this day last month";
  const change = Math.round(((now - then) / then) * 100);
  return `${change >= 0 ? "+" : "−"}${Math.abs(change)}% on the same days last month`;
}

function cumulative(report: UsageByDay): number[] {
  let sum = 0;
  return report.days.map((day) => (sum += day.units));
}

function UnitsTrend({ current, previous }: { current: UsageByDay; previous: UsageByDay }) {
  const now = cumulative(current);
  const then = cumulative(previous);
  const days = Math.max(now.length, then.length);
  const rows: Cumulative[] = Array.from({ length: days }, (_, index) => ({
    day: index + 1,
    ...(index < now.length ? { thisMonth: now[index] } : {}),
    ...(index < then.length ? { lastMonth: then[index] } : {}),
  }));
  const { now: soFar, then: before } = sameDays(current, previous);
  return (
    <figure className="chart-figure trend" data-testid="units-trend">
      <figcaption>
        Units so far: {soFar.toLocaleString()} this month, {before.toLocaleString()} by the same day last month
        ({previous.totals.units.toLocaleString()} in all of {previous.month}).
      </figcaption>
      <CumulativeChart rows={rows} />
      <p className="legend" aria-hidden="true">
        <span className="legend-this">This month</span> <span className="legend-last">Last month</span>
      </p>
    </figure>
  );
}
