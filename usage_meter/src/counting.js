/** Counting calls: per period (the caller's month) the units used, calls and units per day, and the
 * per-minute rate window, in one row per period. A call is counted whole or not at all: the
 * window must have room, then its units come from the period's included units, then credits
 * (when they may cover it), then overage (when the caller allows it, up to maxUnits a period),
 * never from what open reservations hold (holds.js). */

import { balance, spendCredits } from "./credits.js";
import { heldUnits } from "./holds.js";
import { notice, noteCredits, noteUsage } from "./notices.js";
import { keepOveragePending } from "./overage.js";
import { earlierAnswer, keepReplay, recentAnswer, recentEntry, recentOperations } from "./replays.js";

const EMPTY_PERIOD = {
  used: 0,
  calls: 0,
  days: "{}",
  win: -1,
  win_calls: 0,
  labels: "{}",
  recent: "{}",
  updated_at: 0,
  credits_used: 0,
  overage_used: 0,
  refusal_notified: 0,
  breakdown: "{}",
};

export function periodRow(store, period) {
  return store.row("SELECT * FROM periods WHERE period = ?", period) ?? EMPTY_PERIOD;
}

/** POST /meter: counts `amount` units if the window and the period have room; a retried
 * operation (same `operation` id, or same Idempotency-Key) gets the first answer. */
export function meter(store, input) {
  return store.transaction(() => {
    const row = periodRow(store, input.period);
    const recent = recentOperations(row.recent);
    if (recent[input.operation]) return recentAnswer(recent[input.operation], input);
    // An operation its caller stopped waiting for counts nothing.
    if (Date.now() > input.deadline) return { decision: "deadline_passed" };
    const earlier = input.idempotency ? earlierAnswer(store, input.idempotency) : null;
    if (earlier) return earlier;
    const state = counters(store, input, row);
    if (state.windowCalls >= input.windowLimit) return { decision: "window_full", replayed: false, ...state };
    if (!fits(input.amount, state)) return refused(store, input, row, state);
    const counted = countUnits(store, input, row, state, input.amount, recent, 1);
    if (input.idempotency) keepReplay(store, input.idempotency, counted);
    return counted;
  });
}

/** The period's counters, the credit balance, what open reservations (but `exceptHold`) hold and
 * what is still available beside it (null: no bound, overage without maxUnits). */
export function counters(store, input, row, exceptHold = "") {
  const credits = balance(store);
  const held = heldUnits(store, Date.now(), exceptHold);
  const room = capacity(input, row, credits);
  return {
    period: input.period,
    used: row.used,
    calls: row.calls,
    limit: input.limit,
    window: input.window,
    windowCalls: row.win === input.window ? row.win_calls : 0,
    windowLimit: input.windowLimit,
    labels: input.labels,
    creditsUsed: row.credits_used,
    credits,
    units: input.amount,
    overageUsed: row.overage_used,
    held,
    available: room === Infinity ? null : Math.max(room - held, 0),
  };
}

/** Units a period can still take: included units left, credits (when they may cover), overage room. */
function capacity(input, row, credits) {
  const included = Math.max(input.limit - (row.used - row.credits_used - row.overage_used), 0);
  const overageRoom = input.overage ? (input.overage.maxUnits ?? Infinity) - row.overage_used : 0;
  return included + (input.creditsCover ? credits : 0) + Math.max(overageRoom, 0);
}

export function fits(amount, state) {
  return state.available === null || amount <= state.available;
}

/** Refused for the limit. The first such refusal of a period, with nothing held, is an event. */
export function refused(store, input, row, state) {
  if (input.notify?.refused && !row.refusal_notified && state.held === 0) noteRefusal(store, input, row);
  return { decision: "limit_reached", replayed: false, ...state };
}

/** Counts `amount` units (which must fit) as one call: the period's row, credits spent, overage,
 * events; `windowCalls` calls added to the rate window (0: a reservation counted it already).
 * `recent`: the period's recent operations, this one added when it has an id. */
export function countUnits(store, input, row, state, amount, recent, windowCalls) {
  const split = splitUnits(input, row, state.credits, amount);
  const counted = {
    ...state,
    decision: "counted",
    replayed: false,
    units: amount,
    used: row.used + amount,
    calls: row.calls + 1,
    windowCalls: state.windowCalls + windowCalls,
    creditsUsed: row.credits_used + split.fromCredits,
    credits: state.credits - split.fromCredits,
    overageUsed: row.overage_used + split.fromOverage,
  };
  if (counted.available !== null) counted.available -= amount;
  if (input.operation) recent[input.operation] = recentEntry(counted);
  writePeriod(store, input, row, recent, counted, split.fromOverage);
  if (split.fromOverage > 0) keepOveragePending(store, input.overage.pendingKey);
  if (split.fromCredits > 0) spendCredits(store, split.fromCredits, input.day, input.at);
  noteUsage(store, input, row.used, counted.used);
  noteCredits(store, input, state.credits, counted.credits);
  return counted;
}

/** Where `amount` units come from: included first, then credits, then overage. */
function splitUnits(input, row, credits, amount) {
  const included = Math.max(input.limit - (row.used - row.credits_used - row.overage_used), 0);
  const beyond = Math.max(amount - included, 0);
  const fromCredits = input.creditsCover ? Math.min(beyond, credits) : 0;
  return { fromCredits, fromOverage: beyond - fromCredits };
}

/** The period's row after a count: units per day and, when the caller names what the call was
 * (`breakdown`, e.g. a model or a route), units per that name. */
function writePeriod(store, input, row, recent, counted, fromOverage) {
  const days = JSON.parse(row.days);
  days[input.day] = (days[input.day] ?? 0) + counted.units;
  const breakdown = JSON.parse(row.breakdown);
  if (input.breakdown) breakdown[input.breakdown] = (breakdown[input.breakdown] ?? 0) + counted.units;
  store.write(
    `INSERT INTO periods (period, used, calls, days, win, win_calls, labels, recent, updated_at, credits_used,
       overage_used, overage_target, last_overage_at, breakdown)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (period) DO UPDATE SET used = excluded.used, calls = excluded.calls,
       days = excluded.days, win = excluded.win, win_calls = excluded.win_calls,
       labels = excluded.labels, recent = excluded.recent, updated_at = excluded.updated_at,
       credits_used = excluded.credits_used, overage_used = excluded.overage_used,
       overage_target = COALESCE(excluded.overage_target, periods.overage_target),
       last_overage_at = COALESCE(excluded.last_overage_at, periods.last_overage_at),
       breakdown = excluded.breakdown`,
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
    JSON.stringify(breakdown),
  );
}

/** One call in the rate window and nothing else (a reservation; its units are counted at settle). */
export function countWindowCall(store, input, row, state) {
  store.write(
    `INSERT INTO periods (period, used, calls, days, win, win_calls, labels, recent, updated_at)
     VALUES (?, 0, 0, '{}', ?, ?, ?, '{}', 0)
     ON CONFLICT (period) DO UPDATE SET win = excluded.win, win_calls = excluded.win_calls`,
    input.period,
    input.window,
    state.windowCalls + 1,
    JSON.stringify(input.labels),
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

/** POST /peek: the counters of one period, the credit balance and what is held, counting nothing. */
export function peek(store, input) {
  const row = periodRow(store, input.period);
  return {
    period: input.period,
    used: row.used,
    calls: row.calls,
    creditsUsed: row.credits_used,
    overageUsed: row.overage_used,
    credits: balance(store),
    held: heldUnits(store, Date.now()),
    days: JSON.parse(row.days),
    labels: JSON.parse(row.labels),
    breakdown: JSON.parse(row.breakdown),
  };
}
