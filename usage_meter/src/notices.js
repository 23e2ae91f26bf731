/** Events the counters produce (`notify` marks passed by the caller: usage crossing a mark, the
 * first refusal of a period, a balance falling below a mark). Each is written in the same
 * transaction as the change that caused it, so it exists exactly once whichever location sent
 * the call, then handed to the platform's webhook outbox by the alarm, off the call's path. */

import { alarmBy } from "./operations.js";

const FORWARD_RETRY_MS = 10 * 1000; // the outbox did not take the events: try again this much later
const FORWARD_BATCH = 100;

/** An event for the platform's webhook outbox, kept here until the alarm has handed it over. */
export function notice(store, input, mark, counters) {
  const at = input.at ?? Date.now();
  const id = `evt_${crypto.randomUUID().replaceAll("-", "")}`;
  const body = JSON.stringify({ id, type: mark.type, createdAt: new Date(at).toISOString(), data: { ...mark.data, ...counters } });
  const event = { id, type: mark.type, createdAt: at, body };
  store.write("INSERT INTO outbox (id, target, event, at) VALUES (?, ?, ?, ?)", id, input.notify.outbox, JSON.stringify(event), at);
  store.alarmNow = true;
}

/** Usage marks passed between `before` and `after` units used. */
export function noteUsage(store, input, before, after) {
  for (const mark of input.notify?.usage ?? []) {
    if (before < mark.at && after >= mark.at) notice(store, input, mark, { count: after });
  }
}

/** Credit marks the balance fell below. */
export function noteCredits(store, input, before, after) {
  for (const mark of input.notify?.credits ?? []) {
    if (before >= mark.below && after < mark.below) notice(store, input, mark, { balance: after });
  }
}

export function noticesPending(store) {
  return store.value("SELECT COUNT(*) AS n FROM outbox") > 0;
}

/** Hands kept events to their outboxes; what an outbox did not take stays for the next alarm. */
export async function forwardNotices(store, env) {
  const rows = store.rows("SELECT id, target, event FROM outbox ORDER BY at, rowid LIMIT ?", FORWARD_BATCH);
  if (rows.length === 0) return;
  let left = false;
  for (const [target, kept] of Map.groupBy(rows, (row) => row.target)) {
    try {
      const outbox = env.WEBHOOK_OUTBOX.get(env.WEBHOOK_OUTBOX.idFromName(target));
      const events = kept.map((row) => JSON.parse(row.event));
      const response = await outbox.fetch("https://webhook-outbox/enqueue", { method: "POST", body: JSON.stringify({ events, outbox: target }) });
      await response.body?.cancel();
      if (!response.ok) throw new Error(`status ${response.status}`);
      for (const row of kept) store.sql.exec("DELETE FROM outbox WHERE id = ?", row.id);
    } catch (error) {
      console.error(`usage meter: the webhook outbox did not take ${kept.length} event(s): ${error}`);
      left = true;
    }
  }
  if (noticesPending(store)) await alarmBy(store.storage, Date.now() + (left ? FORWARD_RETRY_MS : 0));
}
