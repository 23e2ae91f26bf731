// The overview's small trend charts (recharts). They are pictures of numbers the page also states
// in words, so they are hidden from assistive technology and take no keyboard stop.
import { Bar, BarChart, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** Bars of one value per day, no axes: the shape of a month. */
export function Sparkline({ values, testId }: { values: number[]; testId?: string }) {
  const rows = values.map((value, index) => ({ day: index + 1, value }));
  return (
    <div className="sparkline" aria-hidden="true" data-testid={testId}>
      <ResponsiveContainer width="100%" height={36}>
        <BarChart data={rows} margin={{ top: 2, right: 0, bottom: 0, left: 0 }} accessibilityLayer={false}>
          <Bar dataKey="value" fill="var(--chart-bar)" isAnimationActive={false} minPointSize={1} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}

export type Cumulative = { day: number; thisMonth?: number; lastMonth?: number };

/** Units so far this month against the month before, day by day. */
export function CumulativeChart({ rows }: { rows: Cumulative[] }) {
  return (
    <div className="trend-chart" aria-hidden="true">
      <ResponsiveContainer width="100%" height={150}>
        <LineChart data={rows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} accessibilityLayer={false}>
          <XAxis dataKey="day" tick={{ fill: "var(--muted)", fontSize: 12 }} stroke="var(--chart-axis)" interval="preserveStartEnd" />
          <YAxis allowDecimals={false} width={48} tick={{ fill: "var(--muted)", fontSize: 12 }} stroke="var(--chart-axis)" />
          <Tooltip
            contentStyle={{ background: "var(--surface)", border: "1px solid var(--border)", borderRadius: 6, color: "var(--text)" }}
            labelFormatter={(day) => `Day ${day}`}
          />
          <Line type="linear" dataKey="lastMonth" name="Last month" stroke="var(--muted)" strokeDasharray="4 3" dot={false} isAnimationActive={false} />
          <Line type="linear" dataKey="thisMonth" name="This month" stroke="var(--chart-bar)" strokeWidth={2} dot={false} isAnimationActive={false} />
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
