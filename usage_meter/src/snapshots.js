/** The subject's counters as KV snapshots for dashboards, written by the alarm at most once per
 * `flushSeconds` (never on a call's path): the latest period (with the credit balance) at the
 * caller's `snapshotKey`, and every period counted since the last flush at `periodSnapshotKey`
 * (its `{period}` replaced by the period's first day). */

import { balance } from "./credits.js";
import { alarmBy } from "./operations.js";

// KV metadata is at most 1024 bytes: the days of a month take about 300, the counters and labels
// about 150; the units per model or route get what is left, largest first.
const BREAKDOWN_METADATA_BYTES = 400;

export class Snapshots {
  constructor(store) {
    this.store = store;
    this.alarmSet = false; // an alarm due within flushSeconds is known to be set (memory only)
    this.keysKept = new Set(); // settings known to be stored already, to skip reading them per call
  }

  /** After a change: remembers where the snapshots go and makes sure the alarm will write them. */
  async schedule({ snapshotKey, periodSnapshotKey, flushSeconds }) {
    this.keep("snapshot_key", snapshotKey);
    this.keep("period_snapshot_key", periodSnapshotKey);
    if (this.alarmSet) return;
    try {
      await alarmBy(this.store.storage, Date.now() + flushSeconds * 1000);
      this.alarmSet = true;
    } catch (error) {
      // The change is stored either way; the next one schedules the snapshot again.
      console.error(`usage meter: could not schedule the snapshot: ${error}`);
    }
  }

  keep(name, value) {
    if (!value || this.keysKept.has(`${name}=${value}`)) return;
    this.store.setSetting(name, value);
    this.keysKept.add(`${name}=${value}`);
  }

  /** From the alarm, when anything changed since the last flush. A call counted while these writes
   * are under way has a later `updated_at`: the next flush has it. */
  async write(env) {
    this.alarmSet = false;
    const store = this.store;
    const startedAt = Date.now();
    const credits = balance(store);
    const changed = store.rows("SELECT * FROM periods WHERE updated_at >= ?", Number(store.setting("flushed_at") ?? 0));
    if (changed.length === 0 && String(credits) === store.setting("flushed_credits")) return;
    const key = store.setting("snapshot_key");
    if (key) {
      const latest = store.row("SELECT * FROM periods ORDER BY period DESC LIMIT 1");
      const snapshot = latest
        ? periodSnapshot(latest, credits)
        : { value: { count: 0, periodStart: null, credits }, metadata: { count: 0, credits } };
      // the latest snapshot's metadata stays small: lists read it for every user
      delete snapshot.metadata.days;
      delete snapshot.metadata.breakdown;
      await env.USAGE_KV.put(key, JSON.stringify(snapshot.value), { metadata: snapshot.metadata });
    }
    const periodKey = store.setting("period_snapshot_key");
    for (const row of periodKey ? changed : []) {
      const { value, metadata } = periodSnapshot(row, credits);
      await env.USAGE_KV.put(periodKey.replaceAll("{period}", row.period), JSON.stringify(value), { metadata });
    }
    store.setSetting("flushed_at", String(startedAt));
    store.setSetting("flushed_credits", String(credits));
  }
}

/** A period's counters as KV keeps them: the value in full, the metadata (what `list` returns,
 * at most 1024 bytes) with the units of each day of the month keyed by the day's number. */
function periodSnapshot(row, credits) {
  const days = JSON.parse(row.days);
  const breakdown = JSON.parse(row.breakdown);
  const value = { count: row.used, calls: row.calls, periodStart: row.period, days, overage: row.overage_used, credits, breakdown };
  const byDayOfMonth = Object.fromEntries(Object.entries(days).map(([day, units]) => [String(Number(day.slice(8, 10))), units]));
  const metadata = {
    ...JSON.parse(row.labels),
    count: row.used,
    calls: row.calls,
    periodStart: row.period,
    overage: row.overage_used,
    credits,
    days: byDayOfMonth,
    breakdown: largest(breakdown, BREAKDOWN_METADATA_BYTES),
  };
  return { value, metadata };
}

/** The largest entries of `counts` whose JSON fits in `bytes` (the rest stay in the value). */
function largest(counts, bytes) {
  const kept = {};
  for (const [name, units] of Object.entries(counts).sort(([, a], [, b]) => b - a)) {
    kept[name] = units;
    if (JSON.stringify(kept).length > bytes) {
      delete kept[name];
      break;
    }
  }
  return kept;
}
