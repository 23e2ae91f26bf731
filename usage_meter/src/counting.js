/** Counting calls: per period (the caller's month) the units used, calls and units per day, and the
 * per-minute rate window, in one row per period. A call is counted whole or not at all: the
 * window must have room, then its units come from the period's included units, then credits
 * (when they may cover it), then overage (when the caller allows it, up to maxUnits a period). */

import { balance, spendCredits } from "./credits.js";
import { notice, noteCredits, noteUsage } from "./notices.js";
import { keepOveragePending } from "./overage.js";
import { earlierAnswer, keepReplay, recentOperations } from "./replays.js";

const EMPTY_PERIOD = { used: 0, calls: 0, days: "{}", win: -1, win_calls: 0, labels: "{}", recent: "{}", credits_used: 0, overage_used: 0 };

export function periodRow(store, period) {
  return store.row("SELECT * FROM periods WHERE period = ?", period) ?? EMPTY_PERIOD;
}

/** POST /meter: counts `amount` units if the window and the period have room; a retried
 * operation (same `operation` id, or same Idempotency-Key) gets the first answer. */
export function meter(store, input) {
  return store.transaction(() => {
    const row = periodRow(store, input.period);
    const recent = recentOperations(row.recent);
    if (recent[input.operation]) return recent[input.operation][1];
    // An operation its caller stopped waiting for counts nothing.
    if (Date.now() > input.deadline) return { decision: "deadline_passed" };
    const earlier = input.idempotency ? earlierAnswer(store, input.idempotency) : null;
    return earlier ?? count(store, input, row, recent);
  });
}

function count(store, input, row, recent) {
  const windowCalls = row.win === input.window ? row.win_calls : 0;
  const credits = balance(store);
  const state = {
    period: input.period,
    used: row.used,
    calls: row.calls,
    limit: input.limit,
    window: input.window,
    windowCalls,
    windowLimit: input.windowLimit,
    labels: input.labels,
    creditsUsed: row.credits_used,
    credits,
    units: input.amount,
    overageUsed: row.overage_used,
  };
  if (windowCalls >= input.windowLimit) return { decision: "window_full", replayed: false, ...state };
  const split = splitUnits(input, row, credits, input.amount);
  if (split === null) {
    if (input.notify?.refused && !row.refusal_notified) noteRefusal(store, input, row);
    return { decision: "limit_reached", replayed: false, ...state };
  }
  const counted = {
    ...state,
    decision: "counted",
    replayed: false,
    used: row.used + input.amount,
    calls: row.calls + 1,
    windowCalls: windowCalls + 1,
    creditsUsed: row.credits_used + split.fromCredits,
    credits: credits - split.fromCredits,
    overageUsed: row.overage_used + split.fromOverage,
  };
  recent[input.operation] = [Date.now(), counted];
  writePeriod(store, input, row, recent, counted, split.fromOverage);
  if (split.fromOverage > 0) keepOveragePending(store, input.overage.pendingKey);
  if (split.fromCredits > 0) spendCredits(store, split.fromCredits, input.day, input.at);
  if (input.idempotency) keepReplay(store, input.idempotency, counted);
  noteUsage(store, input, row.used, counted.used);
  noteCredits(store, input, credits, counted.credits);
  return counted;
}

/** Where `amount` units come from (included first, then credits, then overage), or null when
 * they cannot all be covered. */
function splitUnits(input, row, credits, amount) {
  const included = Math.max(input.limit - (row.used - row.credits_used - row.overage_used), 0);
  const beyond = Math.max(amount - included, 0);
  const fromCredits = input.creditsCover ? Math.min(beyond, credits) : 0;
  const fromOverage = beyond - fromCredits;
  const overageRoom = input.overage ? (input.overage.maxUnits ?? Infinity) - row.overage_used : 0;
  return fromOverage > 0 && fromOverage > overageRoom ? null : { fromCredits, fromOverage };
}

function writePeriod(store, input, row, recent, counted, fromOverage) {
  const days = JSON.parse(row.days);
  days[input.day] = (days[input.day] ?? 0) + input.amount;
  store.write(
    `INSERT INTO periods (period, used, calls, days, win, win_calls, labels, recent, updated_at, credits_used,
       overage_used, overage_target, last_overage_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (period) DO UPDATE SET used = excluded.used, calls = excluded.calls,
       days = excluded.days, win = excluded.win, win_calls = excluded.win_calls,
       labels = excluded.labels, recent = excluded.recent, updated_at = excluded.updated_at,
       credits_used = excluded.credits_used, overage_used = excluded.overage_used,
       overage_target = COALESCE(excluded.overage_target, periods.overage_target),
       last_overage_at = COALESCE(excluded.last_overage_at, periods.last_overage_at)`,
    input.period,
    counted.used,
    counted.calls,
    JSON.stringify(days),
    input.window,
    counted.windowCalls,
    JSON.stringify(input.labels),
    JSON.stringify(recent),
    Date.now(),
    counted.creditsUsed,
    counted.overageUsed,
    fromOverage > 0 ? JSON.stringify(input.overage.target) : null,
    fromOverage > 0 ? input.at : null,
  );
}

/** The first call of a period refused for the limit; the period's row remembers it was told. */
function noteRefusal(store, input, row) {
  store.write(
    `INSERT INTO periods (period, used, calls, days, win, win_calls, labels, recent, updated_at, refusal_notified)
     VALUES (?, 0, 0, '{}', -1, 0, ?, '{}', ?, 1)
     ON CONFLICT (period) DO UPDATE SET refusal_notified = 1`,
    input.period,
    JSON.stringify(input.labels),
    Date.now(),
  );
  notice(store, input, input.notify.refused, { count: row.used });
}

/** POST /peek: the counters of one period and the credit balance, counting nothing. */
export function peek(store, input) {
  const row = periodRow(store, input.period);
  return {
    period: input.period,
    used: row.used,
    calls: row.calls,
    creditsUsed: row.credits_used,
    overageUsed: row.overage_used,
    credits: balance(store),
    days: JSON.parse(row.days),
    labels: JSON.parse(row.labels),
  };
}
