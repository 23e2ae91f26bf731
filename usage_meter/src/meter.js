/**
 * dream-api's usage meter: one Durable Object per metered subject (an end user of a platform,
 * or a developer's own plan), counting exactly.
 *
 * It holds counters, not policy. The Python workers decide tiers and limits and pass in
 * everything a decision needs: the period, day and rate-window keys (their clock), the amount,
 * the limits, labels to keep beside the counters, and an idempotency record to keep.
 * A Durable Object runs one event at a time and SQLite calls are synchronous, so each check and
 * the write it allows happen with no await in between (one transaction): concurrent calls cannot
 * interleave, and the reply leaves only once the write is durable (output gate).
 *
 * POST /meter           count `amount` units, or nothing (counting.js)
 * POST /peek            the counters of one period, the credit balance, units held (counting.js)
 * POST /reserve         hold `amount` units for later (reservations.js)
 * POST /settle          count what a hold's work cost, free the rest (reservations.js)
 * POST /release         free a hold, counting nothing (reservations.js)
 * POST /hold            one hold as it stands (reservations.js)
 * POST /credit          change the credit balance once per `reference` (credits.js)
 * POST /ledger          the balance and the latest ledger entries (credits.js)
 * POST /overage/…       overage reports: state, claim, settle (overage.js)
 * alarm                 forward events to the webhook outbox (notices.js), list overage to report
 *                       (overage.js), write dashboard snapshots (snapshots.js), record expired
 *                       holds (holds.js), drop expired idempotency records (replays.js)
 */
import { DurableObject } from "cloudflare:workers";

import { meter, peek } from "./counting.js";
import { changeCredits, ledger } from "./credits.js";
import { sweepHolds } from "./holds.js";
import { METER_SCHEMA } from "./meter_schema.js";
import { invalidMeterInput } from "./meter_input.js";
import { forwardNotices, noticesPending } from "./notices.js";
import { alarmBy, readOperation, reply } from "./operations.js";
import { announceOverage, isOverageOperation, overageOperation } from "./overage.js";
import { dropExpiredReplays } from "./replays.js";
import { holdOf, release, reserve, settle } from "./reservations.js";
import { Snapshots } from "./snapshots.js";
import { Store } from "./store.js";

export class UsageMeter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.store = new Store(ctx.storage);
    this.store.sql.exec(METER_SCHEMA);
    this.snapshots = new Snapshots(this.store);
    // The local runtime loses alarms when it restarts: events not yet forwarded get theirs back.
    ctx.blockConcurrencyWhile(async () => {
      if (noticesPending(this.store)) await alarmBy(ctx.storage, Date.now());
    });
  }

  async fetch(request) {
    const { refusal, path, input } = await readOperation(request, invalidMeterInput, "bad_meter_request");
    if (refusal) return refusal;
    const store = this.store;
    store.begin();
    try {
      const result = await this.operate(path, input);
      if (store.alarmNow) await alarmBy(this.ctx.storage, Date.now());
      return reply(200, { ...result, rowsWritten: store.rowsWritten });
    } catch (error) {
      console.error(`usage meter: ${path} failed: ${error}`);
      return reply(503, { error: "meter_failed", message: String(error) });
    }
  }

  async operate(path, input) {
    const store = this.store;
    if (isOverageOperation(path)) return await overageOperation(store, this.env, path, input);
    if (path === "/peek") return peek(store, input);
    if (path === "/ledger") return ledger(store, input);
    if (path === "/credit") {
      const result = changeCredits(store, input);
      // The dashboards' snapshot carries the balance: a changed balance is flushed like a count.
      if (result.decision === "applied" && !result.replayed && (input.snapshotKey || store.setting("snapshot_key"))) {
        await this.snapshots.schedule(input);
      }
      return result;
    }
    if (path === "/hold") return holdOf(store, input);
    if (path === "/release") return release(store, input);
    if (path === "/reserve") {
      const result = reserve(store, input);
      if (result.decision === "held") await alarmBy(this.ctx.storage, result.hold.expiresAt); // records the expiry
      if (result.decision === "held" && input.idempotency) await this.snapshots.schedule(input);
      return result;
    }
    const result = path === "/settle" ? settle(store, input) : meter(store, input);
    // An idempotency record needs the alarm too: it drops the record when it expires.
    const changed = (result.decision === "counted" || result.decision === "settled") && !result.replayed;
    if (changed && (input.snapshotKey || input.idempotency)) await this.snapshots.schedule(input);
    return result;
  }

  async alarm() {
    const store = this.store;
    await forwardNotices(store, this.env);
    await announceOverage(store, this.env);
    await this.snapshots.write(this.env);
    const now = Date.now();
    const next = [dropExpiredReplays(store), sweepHolds(store, now)].filter((at) => at !== null);
    if (next.length > 0) await alarmBy(this.ctx.storage, Math.max(Math.min(...next), now));
  }
}
