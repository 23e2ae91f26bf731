import { useEffect, useState, type FormEvent } from "react";
import { useSession } from "../auth/context";
import { ApiError, call, type AlertSettings } from "../api";
import { config } from "../config";
import { useLoad } from "../useLoad";

/** When webhook endpoints hear about usage: percent thresholds of a tier's units, a low balance. */
export function AlertsCard() {
  const session = useSession();
  const stored = useLoad(
    async () => call<AlertSettings>(config.apiMulti, "/api/developer/alerts", { token: await session.getToken() }),
    [session.userId],
  );
  const [thresholds, setThresholds] = useState("");
  const [creditsBelow, setCreditsBelow] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (!stored.data) return;
    setThresholds(stored.data.usageThresholds.join(", "));
    setCreditsBelow(stored.data.creditsBelow === null ? "" : String(stored.data.creditsBelow));
  }, [stored.data]);
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    setSaved(false);
    const usageThresholds = thresholds.split(",").map((part) => part.trim()).filter(Boolean).map(Number);
    const body = { usageThresholds, ...(creditsBelow.trim() ? { creditsBelow: Number(creditsBelow) } : {}) };
    try {
      await call(config.apiMulti, "/api/developer/alerts", { method: "PUT", token: await session.getToken(), body });
      setSaved(true);
      stored.reload();
    } catch (failure) {
      setError((failure as ApiError).message);
    }
  };
  return (
    <section className="card" aria-labelledby="alerts-title">
      <h2 id="alerts-title">Usage alerts</h2>
      <p className="hint">
        Your webhook endpoints get <code>usage.threshold_crossed</code> once per user and month at each threshold,
        and <code>credits.low</code> when a balance falls below the mark.
      </p>
      {stored.error && <p className="error" role="alert">{stored.error.message}</p>}
      <form className="actions" onSubmit={save}>
        <label>Thresholds (% of monthly units, comma-separated) <input value={thresholds} onChange={(e) => setThresholds(e.target.value)} /></label>
        <label>Credits below (optional) <input type="number" min={1} value={creditsBelow} onChange={(e) => setCreditsBelow(e.target.value)} /></label>
        <button type="submit" data-testid="save-alerts">Save alerts</button>
      </form>
      {saved && <p className="notice" role="status">Alerts saved.</p>}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
