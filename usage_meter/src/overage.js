/** Overage: units counted past a period's limit, billed later. The Python workers' cron reports
 * them (dreamapi/overage_reports.py): it claims a report of every unclaimed unit (its value never
 * changes), sends it, and settles it as accepted or to be tried again. While a subject has overage
 * to report it is listed in USAGE_KV under the caller's `pendingKey`, where the reporters look. */

const OPERATIONS = {
  "/overage/state": overageStateOperation,
  "/overage/claim": (store, input) => store.transaction(() => claimReport(store, input.period, input.at)),
  "/overage/settle": settleOperation,
};

export function isOverageOperation(path) {
  return path in OPERATIONS;
}

export async function overageOperation(store, env, path, input) {
  return await OPERATIONS[path](store, input, env);
}

/** In the step that counts overage: remembers where the reporters look (announced by the alarm). */
export function keepOveragePending(store, pendingKey) {
  store.setSetting("overage_pending_key", pendingKey);
  if (store.setting("overage_announced") !== "1") store.alarmNow = true;
}

/** From the alarm: lists this subject under its pending key once it has overage to report. */
export async function announceOverage(store, env) {
  const key = store.setting("overage_pending_key");
  if (!key || store.setting("overage_announced") === "1" || !overageOutstanding(store)) return;
  await env.USAGE_KV.put(key, JSON.stringify({ since: Date.now() }));
  store.setSetting("overage_announced", "1");
}

async function overageStateOperation(store, input, env) {
  const periods = overageState(store);
  if (periods.every((p) => p.unclaimed === 0 && p.open === null)) await forgetOveragePending(store, env);
  return { periods };
}

async function settleOperation(store, input, env) {
  const settled = store.transaction(() => settleReport(store, input));
  if (!overageOutstanding(store)) await forgetOveragePending(store, env);
  return settled;
}

function overageOutstanding(store) {
  return overageState(store).some((p) => p.unclaimed > 0 || p.open !== null);
}

/** Per period with overage: what was counted, claimed and accepted, and the open report. */
function overageState(store) {
  const rows = store.rows(
    `SELECT p.period, p.overage_used, p.overage_target, p.last_overage_at,
       COALESCE(SUM(r.value), 0) AS claimed,
       COALESCE(SUM(CASE WHEN r.accepted_at IS NOT NULL THEN r.value END), 0) AS accepted,
       MAX(r.claimed_at) AS last_claim_at
     FROM periods p LEFT JOIN overage_reports r ON r.period = p.period
     WHERE p.overage_used > 0 GROUP BY p.period ORDER BY p.period`,
  );
  return rows.map((row) => ({
    period: row.period,
    overageUsed: row.overage_used,
    claimed: row.claimed,
    accepted: row.accepted,
    unclaimed: row.overage_used - row.claimed,
    lastClaimAt: row.last_claim_at,
    lastOverageAt: row.last_overage_at,
    target: row.overage_target === null ? null : JSON.parse(row.overage_target),
    open: openReport(store, row.period),
  }));
}

function openReport(store, period) {
  const row = store.row("SELECT * FROM overage_reports WHERE period = ? AND accepted_at IS NULL ORDER BY seq LIMIT 1", period);
  return row ? report(row) : null;
}

/** The period's open report, or a new one of every unclaimed unit (its value never changes). */
function claimReport(store, period, at) {
  const open = openReport(store, period);
  if (open) return { decision: "open", report: open };
  const state = overageState(store).find((p) => p.period === period);
  if (!state || state.unclaimed === 0) return { decision: "nothing" };
  const seq = store.value("SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM overage_reports WHERE period = ?", period);
  store.write(
    "INSERT INTO overage_reports (period, seq, value, timestamp, claimed_at, next_at) VALUES (?, ?, ?, ?, ?, ?)",
    period,
    seq,
    state.unclaimed,
    state.lastOverageAt ?? at,
    at,
    at,
  );
  return { decision: "claimed", report: openReport(store, period) };
}

/** A report's outcome: accepted (once), or tried again at `nextAt`. */
function settleReport(store, { period, seq, accepted, at, nextAt }) {
  const row = store.row("SELECT * FROM overage_reports WHERE period = ? AND seq = ?", period, seq);
  if (!row) return { decision: "not_found" };
  if (row.accepted_at === null) {
    const change = accepted ? ["accepted_at", at] : ["next_at", nextAt];
    store.write(`UPDATE overage_reports SET ${change[0]} = ?, attempts = attempts + 1 WHERE period = ? AND seq = ?`, change[1], period, seq);
  }
  const settled = store.row("SELECT * FROM overage_reports WHERE period = ? AND seq = ?", period, seq);
  return { decision: settled.accepted_at === null ? "retry" : "accepted", report: report(settled) };
}

/** Unlists the subject; listed again at once if overage was counted meanwhile (a put by the
 * alarm may race the delete, so whichever lands last, it is the right one). */
async function forgetOveragePending(store, env) {
  const key = store.setting("overage_pending_key");
  if (!key || store.setting("overage_announced") !== "1") return;
  store.setSetting("overage_announced", "0");
  await env.USAGE_KV.delete(key);
  if (overageOutstanding(store)) {
    await env.USAGE_KV.put(key, JSON.stringify({ since: Date.now() }));
    store.setSetting("overage_announced", "1");
  }
}

function report(row) {
  return {
    period: row.period,
    seq: row.seq,
    value: row.value,
    timestamp: row.timestamp,
    claimedAt: row.claimed_at,
    acceptedAt: row.accepted_at,
    attempts: row.attempts,
    nextAt: row.next_at,
  };
}
