import { useMutation, useQuery } from "@tanstack/react-query";
import { useSession } from "../auth/context";
import { bearer, frontAuthApi, unwrap, type FrontAuthReply } from "../client";
import { rememberReturn } from "../dashboard/returns";
import { queryKeys } from "../hooks/queryKeys";
import { BarChartFigure } from "./BarChartFigure";
import { ErrorAlert, QueryStatus } from "./QueryStatus";

type Day = FrontAuthReply<"get_usage">["daily"][number];

/** The developer's own plan and usage this period, a chart of calls per day, and billing. */
export function BillingUsageCard() {
  const session = useSession();
  const usage = useQuery({
    queryKey: queryKeys.usage(session.userId),
    queryFn: async () => unwrap(frontAuthApi.GET("/usage", { headers: bearer(await session.getToken()) })),
  });
  // Stripe Checkout or the billing portal: a page of Stripe's, so the browser leaves for it
  const billing = useMutation({
    mutationFn: async (where: "checkout" | "portal") => {
      const headers = bearer(await session.getToken());
      return where === "checkout"
        ? unwrap(frontAuthApi.POST("/create-checkout", { headers }))
        : unwrap(frontAuthApi.POST("/create-portal", { headers }));
    },
    onSuccess: (reply) => {
      rememberReturn();
      window.location.assign(reply.url);
    },
  });
  const data = usage.data;
  return (
    <section className="card" aria-labelledby="usage-title">
      <h2 id="usage-title">Your plan and usage</h2>
      <QueryStatus query={usage} loading="Loading usage…" what="usage" />
      {data && (
        <>
          <p>
            Plan <strong data-testid="plan">{data.usage.plan}</strong>:{" "}
            <strong data-testid="usage-count">{data.usage.count}</strong> of{" "}
            <strong data-testid="usage-limit">{data.usage.limit}</strong> calls used,{" "}
            {data.usage.remaining} left ({data.usage.periodStart} to {data.usage.periodEnd}).
          </p>
          <DailyCalls days={data.daily} />
          <div className="actions">
            {data.usage.plan === "free" ? (
              <button data-testid="subscribe" disabled={billing.isPending} onClick={() => billing.mutate("checkout")}>
                {billing.isPending ? "Opening Stripe checkout…" : "Upgrade — $29/month for 500 calls"}
              </button>
            ) : (
              <button data-testid="manage-billing" disabled={billing.isPending} onClick={() => billing.mutate("portal")}>
                {billing.isPending ? "Opening the billing portal…" : "Manage billing"}
              </button>
            )}
            <button className="secondary" disabled={usage.isFetching} onClick={() => usage.refetch()}>
              Refresh<span className="visually-hidden"> usage</span>
            </button>
          </div>
        </>
      )}
      <ErrorAlert error={billing.error} />
    </section>
  );
}

/** "2025-06-03" as "3 Jun 2025" (the date is a calendar day: no time zone applies). */
function longDate(day: string): string {
  const [year, month, date] = day.split("-").map(Number);
  if (!year || !month || !date) return day;
  return new Date(Date.UTC(year, month - 1, date)).toLocaleDateString(undefined, { dateStyle: "medium", timeZone: "UTC" });
}

function DailyCalls({ days }: { days: Day[] }) {
  const total = days.reduce((sum, day) => sum + day.count, 0);
  if (days.length === 0 || total === 0) return <p className="empty">No calls yet this period.</p>;
  const peak = days.reduce((best, day) => (day.count > best.count ? day : best), days[0]);
  const first = longDate(days[0].date);
  const last = longDate(days[days.length - 1].date);
  return (
    <BarChartFigure
      testId="usage-chart"
      bars={days.map((day) => ({ key: day.date, label: day.date, value: day.count }))}
      caption={
        `Calls per day, ${first} to ${last}: ${total} in all, ` +
        `the most on ${longDate(peak.date)} (${peak.count}).`
      }
      xLabel="Day of the month"
      yLabel="Calls"
      valueName="Calls"
      tick={(bar) => String(Number(bar.label.slice(8, 10)) || bar.label)}
      tooltipLabel={(bar) => longDate(bar.label)}
    />
  );
}
