import { useState } from "react";
import { useSession } from "../auth/context";
import { ApiError, call, type UsageReply } from "../api";
import { config } from "../config";
import { useLoad } from "../useLoad";

export function BillingUsageCard() {
  const session = useSession();
  const usage = useLoad(
    async () => call<UsageReply>(config.frontAuthApi, "/usage", { token: await session.getToken() }),
    [session.userId],
  );
  const [error, setError] = useState<string | null>(null);
  const go = async (path: string) => {
    setError(null);
    try {
      const reply = await call<{ url: string }>(config.frontAuthApi, path, { method: "POST", token: await session.getToken() });
      window.location.assign(reply.url);
    } catch (failure) {
      setError((failure as ApiError).message);
    }
  };
  const data = usage.data;
  return (
    <section className="card" aria-labelledby="usage-title">
      <h2 id="usage-title">Plan and usage</h2>
      {usage.loading && !data && <p role="status">Loading usage…</p>}
      {usage.error && <p className="error" role="alert">{usage.error.message} <button onClick={usage.reload}>Retry</button></p>}
      {data && (
        <>
          <p>
            Plan <strong data-testid="plan">{data.usage.plan}</strong>:{" "}
            <strong data-testid="usage-count">{data.usage.count}</strong> of{" "}
            <strong data-testid="usage-limit">{data.usage.limit}</strong> calls used,{" "}
            {data.usage.remaining} left ({data.usage.periodStart} to {data.usage.periodEnd}).
          </p>
          <Chart days={data.daily} />
          <div className="actions">
            {data.usage.plan === "free" ? (
              <button data-testid="subscribe" onClick={() => go("/create-checkout")}>Upgrade — $29/month for 500 calls</button>
            ) : (
              <button data-testid="manage-billing" onClick={() => go("/create-portal")}>Manage billing</button>
            )}
            <button className="secondary" onClick={usage.reload}>Refresh</button>
          </div>
        </>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}

function Chart({ days }: { days: { date: string; count: number }[] }) {
  if (days.length === 0) return null;
  const peak = Math.max(1, ...days.map((d) => d.count));
  const width = 300;
  const bar = width / days.length;
  return (
    <svg className="chart" viewBox={`0 0 ${width} 60`} role="img" aria-label="Calls per day this month">
      {days.map((day, index) => {
        const height = (day.count / peak) * 56;
        return (
          <rect key={day.date} x={index * bar + 1} y={58 - height} width={Math.max(bar - 2, 1)} height={height}>
            <title>{`${day.date}: ${day.count} calls`}</title>
          </rect>
        );
      })}
    </svg>
  );
}
