// This month's units by day (recharts): labelled axes, a tooltip, colours from portal.css's
// custom properties so that it reads in light and dark; the numbers also as a table.
import { useId } from "react";
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";
import { count, shortDate } from "./model";

type Day = { date: string; count: number };

/** Every day of the period: the days so far with their units, the rest without a value (no bar),
 * so that the axis spans the whole month. */
function wholePeriod(days: Day[], periodStart: string, periodEnd: string) {
  const known = new Map(days.map((day) => [day.date, day.count]));
  const start = Date.parse(`${periodStart.slice(0, 10)}T00:00:00Z`);
  const end = Date.parse(`${periodEnd.slice(0, 10)}T00:00:00Z`);
  const dates =
    Number.isNaN(start) || Number.isNaN(end) || end < start || end - start > 40 * 86_400_000
      ? days.map((day) => day.date)
      : Array.from({ length: (end - start) / 86_400_000 + 1 }, (_, i) =>
          new Date(start + i * 86_400_000).toISOString().slice(0, 10),
        );
  return dates.map((date) => ({ day: Number(date.slice(8, 10)), date, units: known.get(date) ?? null }));
}

export function UsageChart({ days, periodStart, periodEnd }: { days: Day[]; periodStart: string; periodEnd: string }) {
  const titleId = useId();
  const data = wholePeriod(days, periodStart, periodEnd);
  const total = days.reduce((sum, day) => sum + day.count, 0);
  const busiest = days.reduce<Day | null>((best, day) => (best === null || day.count > best.count ? day : best), null);
  return (
    <figure className="portal-chart" aria-labelledby={titleId} data-testid="usage-chart">
      <figcaption id={titleId}>
        Units used per day this month: {count(total)} in all
        {busiest && busiest.count > 0 ? `, most on ${shortDate(busiest.date)} (${count(busiest.count)})` : ""}.
      </figcaption>
      <BarChart
        responsive
        style={{ width: "100%", height: 220 }}
        data={data}
        margin={{ top: 8, right: 8, bottom: 24, left: 4 }}
        title="Units used per day this month"
      >
        <CartesianGrid vertical={false} stroke="var(--portal-grid)" />
        <XAxis
          dataKey="day"
          tickLine={false}
          stroke="var(--portal-muted)"
          interval="preserveStartEnd"
          minTickGap={8}
          label={{ value: "Day of the month", position: "insideBottom", offset: -16, fill: "var(--portal-muted)" }}
        />
        <YAxis
          allowDecimals={false}
          width={48}
          stroke="var(--portal-muted)"
          tickFormatter={(value: number) => count(value)}
          label={{ value: "Units", angle: -90, position: "insideLeft", offset: 10, fill: "var(--portal-muted)" }}
        />
        <Tooltip
          cursor={{ fill: "var(--portal-cursor)" }}
          contentStyle={{
            background: "var(--portal-surface)",
            border: "1px solid var(--portal-border)",
            borderRadius: 6,
            color: "var(--portal-text)",
          }}
          labelStyle={{ color: "var(--portal-text)", fontWeight: 600 }}
          itemStyle={{ color: "var(--portal-text)" }}
          labelFormatter={(_label, payload) => {
            const date = payload?.[0]?.payload?.date;
            return typeof date === "string" ? shortDate(date) : "";
          }}
          formatter={(value) => [typeof value === "number" ? count(value) : "not yet", "Units"]}
        />
        <Bar dataKey="units" name="Units" fill="var(--portal-bar)" radius={[3, 3, 0, 0]} isAnimationActive={false} />
      </BarChart>
      <details className="portal-chart-table">
        <summary>Show the numbers</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Day</th>
              <th scope="col">Units</th>
            </tr>
          </thead>
          <tbody>
            {days.map((day) => (
              <tr key={day.date}>
                <td>{shortDate(day.date)}</td>
                <td>{count(day.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
