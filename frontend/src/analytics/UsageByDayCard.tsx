import { Link } from "react-router-dom";
import { useUrlState } from "../dashboard/useUrlState";
import { QueryStatus } from "../components/QueryStatus";
import { TierBarChart } from "./TierBarChart";
import { recentMonths, useUsageByDay } from "./queries";
import { seconds } from "./format";
import "./analytics.css";

export const readMonth = (params: URLSearchParams) =>
  params.get("month") === recentMonths().lastMonth ? recentMonths().lastMonth : recentMonths().thisMonth;
export const writeMonth = (month: string) => new URLSearchParams(month === recentMonths().thisMonth ? {} : { month });

/** Units per day by tier, this month or the last, from the end users' meter snapshots. */
export function UsageByDayCard({ platformId }: { platformId: string }) {
  const months = recentMonths();
  // the month is in the URL (?month=YYYY-MM): this month unless it names the last one
  const [month, setMonth] = useUrlState(readMonth, writeMonth);
  const report = useUsageByDay(platformId, month);
  const data = report.data;
  const label = month === months.thisMonth ? "this month" : "last month";
  return (
    <section className="card" aria-labelledby="usage-by-day-title">
      <h2 id="usage-by-day-title">Units per day by tier</h2>
      <fieldset className="month-switch">
        <legend>Month</legend>
        {[
          [months.thisMonth, "This month"],
          [months.lastMonth, "Last month"],
        ].map(([value, text]) => (
          <label key={value}>
            <input type="radio" name="analytics-month" value={value} checked={month === value} onChange={() => setMonth(value)} />
            {text} ({value})
          </label>
        ))}
      </fieldset>
      <QueryStatus query={report} loading="Loading units per day…" what="units per day" />
      {data && data.totals.units === 0 && (
        <p className="empty" data-testid="usage-by-day-empty">
          No units counted {label} yet
          {month === months.thisMonth ? (
            <>: make a metered call (see the <Link to="/dashboard/keys#quick-start">quick start</Link>) and it shows up here.</>
          ) : (
            "."
          )}
        </p>
      )}
      {data && data.totals.units > 0 && (
        <>
          <p>
            <span data-testid="usage-by-day-total">{data.totals.units.toLocaleString()}</span> units in{" "}
            {data.totals.calls.toLocaleString()} calls from {data.totals.endUsers.toLocaleString()} end users {label}
            {": "}
            {data.tiers.map((tier) => `${tier} ${data.totals.byTier[tier].toLocaleString()}`).join(", ")}.
          </p>
          <TierBarChart report={data} caption={`Units per day in ${data.month}, stacked by tier.`} />
        </>
      )}
      {data && (
        <p className="hint" data-testid="usage-by-day-freshness">
          As of {new Date(data.generatedAt).toLocaleTimeString()}; a call shows up here within {seconds(data.freshWithinSeconds)}.
        </p>
      )}
      <button className="secondary" disabled={report.isFetching} onClick={() => report.refetch()}>
        Refresh<span className="visually-hidden"> units per day</span>
      </button>
    </section>
  );
}
