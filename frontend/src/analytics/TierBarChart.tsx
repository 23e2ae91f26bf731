import { useId } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import type { UsageByDay } from "./queries";

const TEXT = "var(--muted)";
const TIER_COLORS = ["--tier-1", "--tier-2", "--tier-3", "--tier-4", "--tier-5", "--tier-6"];

/** Units per day stacked by tier (recharts), with labelled axes, a tooltip, a legend and the same
 * numbers as a visually hidden table for screen readers. */
export function TierBarChart({ report, caption }: { report: UsageByDay; caption: string }) {
  const captionId = useId();
  // the whole month on the x axis: the days still to come are empty, not missing
  const counted = new Map(report.days.map((day) => [day.date, day.byTier]));
  const lastDay = Number(report.period.end.slice(8));
  const rows = Array.from({ length: lastDay }, (_, index) => {
    const date = `${report.period.start.slice(0, 8)}${String(index + 1).padStart(2, "0")}`;
    return { day: date.slice(8), date, ...(counted.get(date) ?? {}) };
  });
  return (
    <figure className="chart-figure" data-testid="usage-by-day-chart">
      <figcaption id={captionId}>{caption}</figcaption>
      <div className="chart-box">
        <ResponsiveContainer width="100%" height={260}>
          <BarChart
            data={rows}
            accessibilityLayer
            margin={{ top: 8, right: 8, bottom: 22, left: 4 }}
            aria-labelledby={captionId}
          >
            <CartesianGrid vertical={false} stroke="var(--chart-grid)" />
            <XAxis
              dataKey="day"
              tick={{ fill: TEXT, fontSize: 12 }}
              stroke="var(--chart-axis)"
              label={{ value: "Day of month", position: "insideBottom", offset: -16, fill: TEXT, fontSize: 13 }}
            />
            <YAxis
              allowDecimals={false}
              width={56}
              tick={{ fill: TEXT, fontSize: 12 }}
              stroke="var(--chart-axis)"
              label={{ value: "Units", angle: -90, position: "insideLeft", offset: 8, fill: TEXT, fontSize: 13, style: { textAnchor: "middle" } }}
            />
            <Tooltip
              cursor={{ fill: "var(--chart-cursor)" }}
              contentStyle={{ background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 6, color: "var(--text)" }}
              labelStyle={{ color: "var(--text)", fontWeight: 600 }}
              labelFormatter={(_, payload) => String(payload?.[0]?.payload?.date ?? "")}
            />
            <Legend verticalAlign="top" height={28} wrapperStyle={{ color: "var(--text)" }} />
            {report.tiers.map((tier, index) => (
              <Bar key={tier} dataKey={tier} name={tier} stackId="units" fill={`var(${TIER_COLORS[index % TIER_COLORS.length]})`} />
            ))}
          </BarChart>
        </ResponsiveContainer>
      </div>
      <table className="visually-hidden">
        <caption>Units per day by tier (the chart's data)</caption>
        <thead>
          <tr>
            <th scope="col">Date</th>
            {report.tiers.map((tier) => <th scope="col" key={tier}>{tier}</th>)}
            <th scope="col">Total</th>
          </tr>
        </thead>
        <tbody>
          {report.days.filter((day) => day.units > 0).map((day) => (
            <tr key={day.date}>
              <th scope="row">{day.date}</th>
              {report.tiers.map((tier) => <td key={tier}>{day.byTier[tier] ?? 0}</td>)}
              <td>{day.units}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
