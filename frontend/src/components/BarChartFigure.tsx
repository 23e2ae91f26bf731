import { useId, type ReactNode } from "react";
import { Bar, BarChart, CartesianGrid, Tooltip, XAxis, YAxis } from "recharts";

export type ChartBar = { key: string; label: string; value: number };

/** Colors come from styles.css's variables, so the chart follows the light or dark scheme. */
const TEXT = "var(--muted)";
const TOOLTIP_BOX = {
  background: "var(--surface)",
  border: "1px solid var(--border)",
  borderRadius: 6,
  color: "var(--text)",
};

/**
 * A bar chart (recharts) with labelled axes and a tooltip, inside a figure whose visible caption
 * summarises the data and names the chart. The chart is a keyboard stop (arrow keys move the
 * tooltip from bar to bar); screen readers get the numbers as a visually hidden table as well.
 */
export function BarChartFigure({
  bars,
  caption,
  xLabel,
  yLabel,
  valueName,
  tick = (bar) => bar.label,
  tooltipLabel = (bar) => bar.label,
  height = 220,
  testId,
}: {
  bars: ChartBar[];
  caption: ReactNode;
  xLabel: string;
  yLabel: string;
  /** what a bar counts, for the tooltip and the table header ("Calls") */
  valueName: string;
  /** a bar's short label under the x axis */
  tick?: (bar: ChartBar) => string;
  /** a bar's full label in the tooltip and the table */
  tooltipLabel?: (bar: ChartBar) => string;
  height?: number;
  testId?: string;
}) {
  const captionId = useId();
  const hintId = useId();
  const byKey = new Map(bars.map((bar) => [bar.key, bar]));
  const labelOf = (key: unknown, format: (bar: ChartBar) => string) => {
    const bar = byKey.get(String(key));
    return bar ? format(bar) : String(key);
  };
  return (
    <figure className="chart-figure" data-testid={testId}>
      <figcaption id={captionId}>{caption}</figcaption>
      <p id={hintId} className="visually-hidden">Focus the chart and use the arrow keys to read each bar.</p>
      <div className="chart-box">
        <BarChart
          responsive
          style={{ width: "100%", height }}
          data={bars}
          margin={{ top: 8, right: 8, bottom: 22, left: 4 }}
          aria-labelledby={captionId}
          aria-describedby={hintId}
        >
          <CartesianGrid vertical={false} stroke="var(--chart-grid)" />
          <XAxis
            dataKey="key"
            tickFormatter={(key) => labelOf(key, tick)}
            tick={{ fill: TEXT, fontSize: 12 }}
            stroke="var(--chart-axis)"
            label={{ value: xLabel, position: "insideBottom", offset: -16, fill: TEXT, fontSize: 13 }}
          />
          <YAxis
            allowDecimals={false}
            width={52}
            tick={{ fill: TEXT, fontSize: 12 }}
            stroke="var(--chart-axis)"
            label={{ value: yLabel, angle: -90, position: "insideLeft", offset: 8, fill: TEXT, fontSize: 13, style: { textAnchor: "middle" } }}
          />
          <Tooltip
            cursor={{ fill: "var(--chart-cursor)" }}
            contentStyle={TOOLTIP_BOX}
            labelStyle={{ color: "var(--text)", fontWeight: 600 }}
            itemStyle={{ color: "var(--text)" }}
            labelFormatter={(key) => labelOf(key, tooltipLabel)}
          />
          <Bar dataKey="value" name={valueName} fill="var(--chart-bar)" maxBarSize={48} isAnimationActive={false} />
        </BarChart>
      </div>
      <div className="visually-hidden">
      <table>
        <caption>{`${valueName} per ${xLabel.toLowerCase()} (the chart's data)`}</caption>
        <thead>
          <tr><th scope="col">{xLabel}</th><th scope="col">{valueName}</th></tr>
        </thead>
        <tbody>
          {bars.map((bar) => (
            <tr key={bar.key}><th scope="row">{tooltipLabel(bar)}</th><td>{bar.value}</td></tr>
          ))}
        </tbody>
      </table>
      </div>
    </figure>
  );
}
