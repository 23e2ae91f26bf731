/** Reserve, then settle: a reservation holds units the work may cost (counting one call in the rate
 * window), so no other call or reservation can spend them; settling counts what the work cost as
 * one metered call and frees the rest; releasing frees them all. All three are one transaction
 * each and idempotent by the hold's id: a retry gets the first answer (settle: with the same
 * units; other units are a conflict). Expiry needs no alarm to be exact (holds.js); the alarm only
 * records it.
 *
 * A settle of more than was held takes the excess only from what is available beside the other
 * holds; what that cannot cover is not counted (`shortfall`). */

import { counters, countUnits, countWindowCall, fits, periodRow, refused } from "./counting.js";
import { holdRow, shownHold, stateOf } from "./holds.js";
import { earlierAnswer, keepReplay, recentOperations } from "./replays.js";

/** POST /reserve: holds `amount` units until `hold.expiresAt`, or refuses (window, limit). */
export function reserve(store, input) {
  return store.transaction(() => {
    const existing = holdRow(store, input.hold.id);
    if (existing) return JSON.parse(existing.reserve_answer); // this operation, retried
    if (Date.now() > input.deadline) return { decision: "deadline_passed" };
    const earlier = input.idempotency ? earlierAnswer(store, input.idempotency) : null;
    if (earlier) return earlier;
    const row = periodRow(store, input.period);
    const state = counters(store, input, row);
    if (state.windowCalls >= input.windowLimit) return { decision: "window_full", replayed: false, ...state };
    if (!fits(input.amount, state)) return refused(store, input, row, state);
    countWindowCall(store, input, row, state);
    const now = Date.now();
    const hold = { id: input.hold.id, units: input.amount, state: "held", expires_at: input.hold.expiresAt, created_at: now };
    const answer = {
      ...state,
      decision: "held",
      replayed: false,
      windowCalls: state.windowCalls + 1,
      held: state.held + input.amount,
      available: state.available === null ? null : state.available - input.amount,
      hold: shownHold(hold, now),
    };
    store.write(
      "INSERT INTO holds (id, units, state, expires_at, created_at, reserve_answer) VALUES (?, ?, 'held', ?, ?, ?)",
      hold.id,
      hold.units,
      hold.expires_at,
      now,
      JSON.stringify(answer),
    );
    if (input.idempotency) keepReplay(store, input.idempotency, answer);
    return answer;
  });
}

/** POST /settle: counts `amount` units of the hold `holdId` (more only from what is free). */
export function settle(store, input) {
  return store.transaction(() => {
    const now = Date.now();
    const hold = holdRow(store, input.holdId);
    if (!hold) return { decision: "not_found" };
    const state = stateOf(hold, now);
    if (state === "settled") {
      return hold.requested_units === input.amount
        ? { ...JSON.parse(hold.finish_answer), replayed: true }
        : { decision: "settled_otherwise", hold: shownHold(hold, now) };
    }
    if (state !== "held") return { decision: state, hold: shownHold(hold, now) };
    if (now > input.deadline) return { decision: "deadline_passed" };
    const row = periodRow(store, input.period);
    const others = counters(store, input, row, hold.id);
    const amount = others.available === null ? input.amount : Math.min(input.amount, others.available);
    const counted = amount > 0 ? countUnits(store, input, row, others, amount, recentOperations(row.recent), 0) : others;
    const settled = { ...hold, state: "settled", settled_units: amount, requested_units: input.amount, finished_at: now };
    const answer = {
      ...counted,
      decision: "settled",
      replayed: false,
      units: amount,
      shortfall: input.amount - amount,
      hold: shownHold(settled, now),
    };
    finish(store, settled, answer);
    return answer;
  });
}

/** POST /release: frees the hold, counting nothing. */
export function release(store, input) {
  return store.transaction(() => {
    const now = Date.now();
    const hold = holdRow(store, input.holdId);
    if (!hold) return { decision: "not_found" };
    const state = stateOf(hold, now);
    if (state === "released") return { ...JSON.parse(hold.finish_answer), replayed: true };
    if (state !== "held") return { decision: state, hold: shownHold(hold, now) };
    const released = { ...hold, state: "released", finished_at: now };
    const answer = { ...counters(store, input, periodRow(store, input.period), hold.id), decision: "released", replayed: false, hold: shownHold(released, now) };
    finish(store, released, answer);
    return answer;
  });
}

/** POST /hold: the hold as it stands. */
export function holdOf(store, input) {
  const hold = holdRow(store, input.holdId);
  return hold ? { decision: "found", hold: shownHold(hold, Date.now()) } : { decision: "not_found" };
}

function finish(store, hold, answer) {
  store.write(
    "UPDATE holds SET state = ?, settled_units = ?, requested_units = ?, finished_at = ?, finish_answer = ? WHERE id = ?",
    hold.state,
    hold.settled_units ?? null,
    hold.requested_units ?? null,
    hold.finished_at,
    JSON.stringify(answer),
    hold.id,
  );
}
