/**
 * dream-api's usage meter: one Durable Object per metered subject (an end user of a platform,
 * or a developer's own plan), counting exactly.
 *
 * It holds counters, not policy. The Python workers decide tiers and limits and pass in
 * everything a decision needs: the period, day and rate-window keys (their clock), the amount,
 * the limits, labels to keep beside the counters, and an idempotency record to keep.
 * A Durable Object runs one event at a time and SQLite calls are synchronous, so the check and
 * the increment below happen with no await in between: concurrent calls cannot interleave, and
 * the reply leaves only once the write is durable (output gate).
 *
 * POST /meter  count `amount` units if the window and the period both have room, else count
 *              nothing; with `creditsCover`, the credit balance pays for what the period's
 *              `limit` cannot, and a call both cannot cover counts nothing. Each carries an
 *              operation id, so a caller's retry of it is applied at most once
 * POST /peek   the counters of one period and the credit balance
 * POST /credit change the credit balance by `units` (never below zero) once per `reference`
 * POST /ledger the credit balance and the latest ledger entries, newest first
 * alarm        hand the events its counters produced to the platform's webhook outbox; write a
 *              snapshot of the latest period to KV (dashboards), at most once per `flushSeconds`;
 *              drop expired idempotency records
 *
 * Events (`notify`, optional, on /meter and /credit): marks the caller wants to hear about, each
 * with the event's type and data. A counted call whose `used` passes a usage mark, the first call
 * of a period refused for the limit, a balance falling below a credit mark: the event is written
 * in the same transaction as the count (so it exists exactly once, whichever location sent the
 * call), then forwarded by the alarm, off the call's path, until the outbox has it.
 */
import { DurableObject } from "cloudflare:workers";

import { alarmBy, readOperation, reply } from "./operations.js";
import { PENDING_PREFIX } from "./outbox.js";

export { WebhookOutbox } from "./outbox.js";
export { ApiKeys } from "./keys.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS periods (
  period TEXT PRIMARY KEY,
  used INTEGER NOT NULL,
  calls INTEGER NOT NULL,
  days TEXT NOT NULL,
  win INTEGER NOT NULL,
  win_calls INTEGER NOT NULL,
  labels TEXT NOT NULL,
  recent TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS replays (
  key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  result TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS credits (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  balance INTEGER NOT NULL CHECK (balance >= 0)
);
CREATE TABLE IF NOT EXISTS ledger (
  key TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  units INTEGER NOT NULL,
  reason TEXT NOT NULL,
  day TEXT NOT NULL,
  at INTEGER NOT NULL,
  balance INTEGER NOT NULL,
  fingerprint TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ledger_by_time ON ledger (at);
CREATE TABLE IF NOT EXISTS outbox (
  id TEXT PRIMARY KEY,
  target TEXT NOT NULL,
  event TEXT NOT NULL,
  at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS overage_reports (
  period TEXT NOT NULL,
  seq INTEGER NOT NULL,
  value INTEGER NOT NULL,
  timestamp INTEGER NOT NULL,
  claimed_at INTEGER NOT NULL,
  accepted_at INTEGER,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_at INTEGER NOT NULL,
  PRIMARY KEY (period, seq)
) WITHOUT ROWID;
`;
// Columns added after the first release, for objects created before them.
const ADDED_COLUMNS = {
  periods: {
    credits_used: "INTEGER NOT NULL DEFAULT 0",
    refusal_notified: "INTEGER NOT NULL DEFAULT 0",
    overage_used: "INTEGER NOT NULL DEFAULT 0",
    overage_target: "TEXT",
    last_overage_at: "INTEGER",
  },
};
const FORWARD_RETRY_MS = 10 * 1000; // the outbox did not take the events: try again this much later
const OPERATIONS = ["/meter", "/peek", "/credit", "/ledger", "/overage/state", "/overage/claim", "/overage/settle"];
const LEGACY_REPLAY_MS = 24 * 3600 * 1000;
const DEFAULT_FLUSH_SECONDS = 30; // credit changes from callers that send no flushSeconds
// Operations counted lately, kept in their period's row (no extra row written): a caller that
// lost an answer retries the same operation within seconds and gets the first answer.
const RECENT_OPERATIONS_MS = 120 * 1000;
const RECENT_OPERATIONS_MAX = 64;

export class UsageMeter extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
    addMissingColumns(this.sql);
    this.initialized = this.setting("initialized") !== null;
    this.initializing = null;
    this.alarmScheduled = false;
    this.rowsWritten = 0;
    this.noticesWritten = 0;
    this.overageCounted = false;
    // The local runtime loses alarms when it restarts: events not yet forwarded get theirs back.
    ctx.blockConcurrencyWhile(async () => {
      if (this.sql.exec("SELECT COUNT(*) AS n FROM outbox").one().n > 0) await alarmBy(this.ctx.storage, Date.now());
    });
  }

  async fetch(request) {
    const { refusal, path, input } = await readOperation(request, invalid, "bad_meter_request");
    if (refusal) return refusal;
    this.rowsWritten = 0;
    this.noticesWritten = 0;
    this.overageCounted = false;
    try {
      await this.ready(input.legacyKey);
      const result = path.startsWith("/overage/") ? await this.overage(path, input) : await this.operate(path, input);
      if (this.noticesWritten > 0 || this.overageCounted) await alarmBy(this.ctx.storage, Date.now());
      return reply(200, { ...result, rowsWritten: this.rowsWritten });
    } catch (error) {
      console.error(`usage meter: ${path} failed: ${error}`);
      return reply(503, { error: "meter_failed", message: String(error) });
    }
  }

  async operate(path, input) {
    if (path === "/meter") return await this.meter(input);
    if (path === "/peek") return this.peek(input);
    if (path !== "/credit") return this.ledger(input);
    const result = this.credit(input);
    // The dashboards' snapshot carries the balance: a changed balance is flushed like a count.
    if (result.decision === "applied" && !result.replayed && (input.snapshotKey || this.setting("snapshot_key"))) {
      await this.scheduleFlush({ snapshotKey: input.snapshotKey, flushSeconds: input.flushSeconds ?? DEFAULT_FLUSH_SECONDS });
    }
    return result;
  }

  async meter(input) {
    const idempotency = input.idempotency;
    let legacyReplay = null;
    if (idempotency?.legacyKey && Date.now() < this.legacyReplaysUntil && !this.replay(idempotency.key)) {
      legacyReplay = await this.env.USAGE_KV.get(idempotency.legacyKey);
    }
    const result = this.ctx.storage.transactionSync(() => {
      const row = this.period(input.period);
      const recent = recentOperations(row.recent);
      if (recent[input.operation]) return recent[input.operation][1];
      // After the last await: an operation its caller stopped waiting for counts nothing.
      if (Date.now() > input.deadline) return { decision: "deadline_passed" };
      if (idempotency) {
        const earlier = this.replay(idempotency.key);
        if (earlier) {
          return earlier.fingerprint === idempotency.fingerprint
            ? { ...JSON.parse(earlier.result), replayed: true }
            : { decision: "idempotency_conflict" };
        }
        if (legacyReplay !== null) {
          const recorded = { decision: "counted", legacyBody: legacyReplay };
          this.keepReplay(idempotency, recorded);
          return { ...recorded, replayed: true };
        }
      }
      return this.count(input, row, recent);
    });
    if (result.decision === "counted" && !result.replayed && (input.snapshotKey || idempotency)) {
      await this.scheduleFlush(input);
    }
    return result;
  }

  count(input, row, recent) {
    const windowCalls = row.win === input.window ? row.win_calls : 0;
    const state = {
      period: input.period,
      used: row.used,
      calls: row.calls,
      limit: input.limit,
      window: input.window,
      windowCalls,
      windowLimit: input.windowLimit,
      labels: input.labels,
    };
    const balance = this.balance();
    const overage = input.overage ?? null;
    Object.assign(state, { creditsUsed: row.credits_used, credits: balance, units: input.amount, overageUsed: row.overage_used });
    if (windowCalls >= input.windowLimit) return { decision: "window_full", replayed: false, ...state };
    // Included units first, then credits (when they may cover the call), then overage (when the
    // caller allows it, up to maxUnits a period); all or nothing.
    const included = Math.max(input.limit - (row.used - row.credits_used - row.overage_used), 0);
    const beyond = Math.max(input.amount - included, 0);
    const fromCredits = input.creditsCover ? Math.min(beyond, balance) : 0;
    const fromOverage = beyond - fromCredits;
    const overageRoom = overage === null ? 0 : (overage.maxUnits ?? Infinity) - row.overage_used;
    if (fromOverage > 0 && fromOverage > overageRoom) {
      if (input.notify?.refused && !row.refusal_notified) this.noteRefusal(input, row);
      return { decision: "limit_reached", replayed: false, ...state };
    }
    const days = JSON.parse(row.days);
    days[input.day] = (days[input.day] ?? 0) + input.amount;
    const counted = {
      decision: "counted",
      replayed: false,
      ...state,
      used: row.used + input.amount,
      calls: row.calls + 1,
      windowCalls: windowCalls + 1,
      creditsUsed: row.credits_used + fromCredits,
      credits: balance - fromCredits,
      overageUsed: row.overage_used + fromOverage,
    };
    recent[input.operation] = [Date.now(), counted];
    this.write(
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
      fromOverage > 0 ? JSON.stringify(overage.target) : null,
      fromOverage > 0 ? (input.at ?? Date.now()) : null,
    );
    if (fromOverage > 0) this.keepOveragePending(overage.pendingKey);
    if (fromCredits > 0) this.spendCredits(fromCredits, input.day, input.at ?? Date.now());
    if (input.idempotency) this.keepReplay(input.idempotency, counted);
    if (input.notify) {
      for (const mark of input.notify.usage ?? []) {
        if (row.used < mark.at && counted.used >= mark.at) this.notice(input, mark, { count: counted.used });
      }
      this.noteCredits(input, balance, counted.credits);
    }
    return counted;
  }

  /** The first call of a period refused for the limit; the period's row remembers it was told. */
  noteRefusal(input, row) {
    this.write(
      `INSERT INTO periods (period, used, calls, days, win, win_calls, labels, recent, updated_at, refusal_notified)
       VALUES (?, 0, 0, '{}', -1, 0, ?, '{}', ?, 1)
       ON CONFLICT (period) DO UPDATE SET refusal_notified = 1`,
      input.period,
      JSON.stringify(input.labels),
      Date.now(),
    );
    this.notice(input, input.notify.refused, { count: row.used });
  }

  noteCredits(input, before, after) {
    for (const mark of input.notify?.credits ?? []) {
      if (before >= mark.below && after < mark.below) this.notice(input, mark, { balance: after });
    }
  }

  /** An event for the platform's webhook outbox, kept here until the alarm has handed it over. */
  notice(input, mark, counters) {
    const at = input.at ?? Date.now();
    const id = `evt_${crypto.randomUUID().replaceAll("-", "")}`;
    const body = JSON.stringify({
      id,
      type: mark.type,
      createdAt: new Date(at).toISOString(),
      data: { ...mark.data, ...counters },
    });
    const event = { id, type: mark.type, createdAt: at, body };
    this.write("INSERT INTO outbox (id, target, event, at) VALUES (?, ?, ?, ?)", id, input.notify.outbox, JSON.stringify(event), at);
    this.noticesWritten += 1;
  }

  /** Credits spent by calls: the balance, and the day's usage entry of the ledger. */
  spendCredits(units, day, at) {
    const balance = this.balance() - units;
    this.setBalance(balance);
    this.write(
      `INSERT INTO ledger (key, kind, units, reason, day, at, balance, fingerprint)
       VALUES (?, 'usage', ?, 'calls', ?, ?, ?, '')
       ON CONFLICT (key) DO UPDATE SET units = units + excluded.units, at = excluded.at,
         balance = excluded.balance`,
      `usage:${day}`,
      -units,
      day,
      at,
      balance,
    );
  }

  peek(input) {
    const row = this.period(input.period);
    return {
      period: input.period,
      used: row.used,
      calls: row.calls,
      creditsUsed: row.credits_used,
      overageUsed: row.overage_used,
      credits: this.balance(),
      days: JSON.parse(row.days),
      labels: JSON.parse(row.labels),
    };
  }

  credit(input) {
    return this.ctx.storage.transactionSync(() => {
      const earlier = this.sql.exec("SELECT * FROM ledger WHERE key = ?", input.reference).toArray()[0];
      if (earlier) {
        return earlier.fingerprint === input.fingerprint
          ? { decision: "applied", replayed: true, balance: this.balance(), entry: { ...earlier, fingerprint: undefined } }
          : { decision: "conflict", balance: this.balance() };
      }
      if (Date.now() > input.deadline) return { decision: "deadline_passed" };
      const balance = this.balance() + input.units;
      if (balance < 0) return { decision: "insufficient_credits", balance: this.balance() };
      const entry = {
        key: input.reference,
        kind: input.kind,
        units: input.units,
        reason: input.reason,
        day: "",
        at: input.at,
        balance,
        fingerprint: input.fingerprint,
      };
      this.noteCredits(input, this.balance(), balance);
      this.setBalance(balance);
      this.write(
        `INSERT INTO ledger (key, kind, units, reason, day, at, balance, fingerprint)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        ...Object.values(entry),
      );
      const { fingerprint, ...shown } = entry;
      return { decision: "applied", replayed: false, balance, entry: shown };
    });
  }

  ledger(input) {
    const entries = this.sql
      .exec("SELECT kind, units, reason, day, at, balance FROM ledger ORDER BY at DESC, key DESC LIMIT ?", input.entries)
      .toArray();
    return { balance: this.balance(), entries };
  }

  balance() {
    const row = this.sql.exec("SELECT balance FROM credits WHERE id = 1").toArray()[0];
    return row ? row.balance : 0;
  }

  setBalance(balance) {
    this.write(
      "INSERT INTO credits (id, balance) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET balance = excluded.balance",
      balance,
    );
  }

  async alarm() {
    this.alarmScheduled = false;
    await this.forwardNotices();
    await this.announceOverage();
    await this.writeSnapshots();
    this.sql.exec("DELETE FROM replays WHERE expires_at <= ?", Date.now());
    const next = this.sql.exec("SELECT MIN(expires_at) AS at FROM replays").one().at;
    if (next !== null && (await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(next);
    }
  }

  /**
   * The latest period (with the credit balance) at `snapshot_key`, and every period counted since
   * the last flush at `period_snapshot_key` (its `{period}` replaced), for dashboards to list.
   * A call counted while these writes are under way has a later `updated_at`: the next flush has it.
   */
  async writeSnapshots() {
    const startedAt = Date.now();
    const credits = this.balance();
    const key = this.setting("snapshot_key");
    const latest = this.sql.exec("SELECT * FROM periods ORDER BY period DESC LIMIT 1").toArray()[0];
    if (key) {
      const snapshot = latest ? periodSnapshot(latest, credits) : { value: { count: 0, periodStart: null, credits }, metadata: { count: 0, credits } };
      delete snapshot.metadata.days; // the latest snapshot's metadata stays small: lists read it for every user
      await this.env.USAGE_KV.put(key, JSON.stringify(snapshot.value), { metadata: snapshot.metadata });
    }
    const periodKey = this.setting("period_snapshot_key");
    if (periodKey) {
      const since = Number(this.setting("period_snapshots_at") ?? 0);
      for (const row of this.sql.exec("SELECT * FROM periods WHERE updated_at >= ?", since).toArray()) {
        const { value, metadata } = periodSnapshot(row, credits);
        await this.env.USAGE_KV.put(periodKey.replaceAll("{period}", row.period), JSON.stringify(value), { metadata });
      }
      this.setSetting("period_snapshots_at", String(startedAt));
    }
  }

  /** Hands kept events to their outboxes; what an outbox did not take stays for the next alarm. */
  async forwardNotices() {
    const rows = this.sql.exec("SELECT id, target, event FROM outbox ORDER BY at, rowid LIMIT 100").toArray();
    if (rows.length === 0) return;
    const byTarget = Map.groupBy(rows, (row) => row.target);
    let left = false;
    for (const [target, kept] of byTarget) {
      try {
        const outbox = this.env.WEBHOOK_OUTBOX.get(this.env.WEBHOOK_OUTBOX.idFromName(target));
        const events = kept.map((row) => JSON.parse(row.event));
        const response = await outbox.fetch("https://webhook-outbox/enqueue", {
          method: "POST",
          body: JSON.stringify({ events, outbox: target }),
        });
        await response.body?.cancel();
        if (!response.ok) throw new Error(`status ${response.status}`);
        for (const row of kept) this.sql.exec("DELETE FROM outbox WHERE id = ?", row.id);
      } catch (error) {
        console.error(`usage meter: the webhook outbox did not take ${kept.length} event(s): ${error}`);
        left = true;
      }
    }
    const more = this.sql.exec("SELECT COUNT(*) AS n FROM outbox").one().n > 0;
    if (more) await alarmBy(this.ctx.storage, Date.now() + (left ? FORWARD_RETRY_MS : 0));
  }

  // --- overage: units past the limit, reported by the Python workers (their cron) -------------

  /** Remembers where the reporters look for subjects with overage to report (USAGE_KV). */
  keepOveragePending(pendingKey) {
    if (this.setting("overage_pending_key") !== pendingKey) this.setSetting("overage_pending_key", pendingKey);
    if (this.setting("overage_announced") !== "1") this.overageCounted = true;
  }

  /** From the alarm: lists this subject under `overage_pending_key` once it has overage to report. */
  async announceOverage() {
    const key = this.setting("overage_pending_key");
    if (!key || this.setting("overage_announced") === "1" || !this.overageOutstanding()) return;
    await this.env.USAGE_KV.put(key, JSON.stringify({ since: Date.now() }));
    this.setSetting("overage_announced", "1");
  }

  overageOutstanding() {
    const periods = this.overageState();
    return periods.some((p) => p.unclaimed > 0 || p.open !== null);
  }

  async overage(path, input) {
    if (path === "/overage/state") {
      const periods = this.overageState();
      if (periods.every((p) => p.unclaimed === 0 && p.open === null)) await this.forgetOveragePending();
      return { periods };
    }
    if (path === "/overage/claim") return this.ctx.storage.transactionSync(() => this.claimOverage(input.period, input.at));
    const settled = this.ctx.storage.transactionSync(() => this.settleOverage(input));
    if (!this.overageOutstanding()) await this.forgetOveragePending();
    return settled;
  }

  /** Per period with overage: what was counted, claimed and accepted, and the open report. */
  overageState() {
    const rows = this.sql
      .exec(
        `SELECT p.period, p.overage_used, p.overage_target, p.last_overage_at,
           COALESCE(SUM(r.value), 0) AS claimed,
           COALESCE(SUM(CASE WHEN r.accepted_at IS NOT NULL THEN r.value END), 0) AS accepted,
           MAX(r.claimed_at) AS last_claim_at
         FROM periods p LEFT JOIN overage_reports r ON r.period = p.period
         WHERE p.overage_used > 0 GROUP BY p.period ORDER BY p.period`,
      )
      .toArray();
    return rows.map((row) => ({
      period: row.period,
      overageUsed: row.overage_used,
      claimed: row.claimed,
      accepted: row.accepted,
      unclaimed: row.overage_used - row.claimed,
      lastClaimAt: row.last_claim_at,
      lastOverageAt: row.last_overage_at,
      target: row.overage_target === null ? null : JSON.parse(row.overage_target),
      open: this.openReport(row.period),
    }));
  }

  openReport(period) {
    const row = this.sql
      .exec("SELECT * FROM overage_reports WHERE period = ? AND accepted_at IS NULL ORDER BY seq LIMIT 1", period)
      .toArray()[0];
    return row ? report(row) : null;
  }

  /** The period's open report, or a new one of every unclaimed unit (its value never changes). */
  claimOverage(period, at) {
    const open = this.openReport(period);
    if (open) return { decision: "open", report: open };
    const state = this.overageState().find((p) => p.period === period);
    if (!state || state.unclaimed === 0) return { decision: "nothing" };
    const seq = this.sql.exec("SELECT COALESCE(MAX(seq), 0) + 1 AS seq FROM overage_reports WHERE period = ?", period).one().seq;
    this.write(
      "INSERT INTO overage_reports (period, seq, value, timestamp, claimed_at, next_at) VALUES (?, ?, ?, ?, ?, ?)",
      period,
      seq,
      state.unclaimed,
      state.lastOverageAt ?? at,
      at,
      at,
    );
    return { decision: "claimed", report: this.openReport(period) };
  }

  /** A report's outcome: accepted (once), or tried again at `nextAt`. */
  settleOverage({ period, seq, accepted, at, nextAt }) {
    const row = this.sql.exec("SELECT * FROM overage_reports WHERE period = ? AND seq = ?", period, seq).toArray()[0];
    if (!row) return { decision: "not_found" };
    if (row.accepted_at === null) {
      if (accepted) {
        this.write("UPDATE overage_reports SET accepted_at = ?, attempts = attempts + 1 WHERE period = ? AND seq = ?", at, period, seq);
      } else {
        this.write("UPDATE overage_reports SET next_at = ?, attempts = attempts + 1 WHERE period = ? AND seq = ?", nextAt, period, seq);
      }
    }
    const settled = this.sql.exec("SELECT * FROM overage_reports WHERE period = ? AND seq = ?", period, seq).one();
    return { decision: settled.accepted_at === null ? "retry" : "accepted", report: report(settled) };
  }

  /** Unlists the subject; listed again at once if overage was counted meanwhile (a put by the
   * alarm may race the delete, so whichever lands last, it is the right one). */
  async forgetOveragePending() {
    const key = this.setting("overage_pending_key");
    if (!key || this.setting("overage_announced") !== "1") return;
    this.setSetting("overage_announced", "0");
    await this.env.USAGE_KV.delete(key);
    if (this.overageOutstanding()) {
      await this.env.USAGE_KV.put(key, JSON.stringify({ since: Date.now() }));
      this.setSetting("overage_announced", "1");
    }
  }

  /** Imports the record the KV meter kept for this subject, once, before anything else. */
  async ready(legacyKey) {
    if (this.initialized) return;
    this.initializing ??= this.initialize(legacyKey).finally(() => {
      this.initializing = null;
    });
    await this.initializing;
  }

  async initialize(legacyKey) {
    const raw = legacyKey && this.env.USAGE_KV ? await this.env.USAGE_KV.get(legacyKey) : null;
    if (this.initialized) return;
    const legacy = raw === null ? null : legacyRecord(raw);
    this.ctx.storage.transactionSync(() => {
      if (legacy) {
        this.write(
          `INSERT OR IGNORE INTO periods (period, used, calls, days, win, win_calls, labels, recent, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, '{}', '{}', ?)`,
          legacy.period,
          legacy.used,
          legacy.used,
          JSON.stringify(legacy.days),
          legacy.window,
          legacy.windowCalls,
          Date.now(),
        );
        this.setSetting("legacy_replays_until", String(Date.now() + LEGACY_REPLAY_MS));
      }
      this.setSetting("initialized", new Date().toISOString());
    });
    this.initialized = true;
  }

  get legacyReplaysUntil() {
    return Number(this.setting("legacy_replays_until") ?? 0);
  }

  async scheduleFlush(input) {
    if (input.snapshotKey && this.setting("snapshot_key") !== input.snapshotKey) {
      this.setSetting("snapshot_key", input.snapshotKey);
    }
    if (input.periodSnapshotKey && this.setting("period_snapshot_key") !== input.periodSnapshotKey) {
      this.setSetting("period_snapshot_key", input.periodSnapshotKey);
    }
    if (this.alarmScheduled) return;
    try {
      if ((await this.ctx.storage.getAlarm()) === null) {
        await this.ctx.storage.setAlarm(Date.now() + input.flushSeconds * 1000);
      }
      this.alarmScheduled = true;
    } catch (error) {
      // The call is counted either way; the next one schedules the snapshot again.
      console.error(`usage meter: could not schedule the snapshot: ${error}`);
    }
  }

  period(period) {
    const row = this.sql.exec("SELECT * FROM periods WHERE period = ?", period).toArray()[0];
    return (
      row ?? { used: 0, calls: 0, days: "{}", win: -1, win_calls: 0, labels: "{}", recent: "{}", credits_used: 0, overage_used: 0 }
    );
  }

  replay(key) {
    const row = this.sql.exec("SELECT * FROM replays WHERE key = ?", key).toArray()[0];
    return row && row.expires_at > Date.now() ? row : null;
  }

  keepReplay(idempotency, result) {
    this.write(
      "INSERT OR REPLACE INTO replays (key, fingerprint, result, expires_at) VALUES (?, ?, ?, ?)",
      idempotency.key,
      idempotency.fingerprint,
      JSON.stringify(result),
      Date.now() + idempotency.ttlSeconds * 1000,
    );
  }

  setting(name) {
    const row = this.sql.exec("SELECT value FROM settings WHERE name = ?", name).toArray()[0];
    return row ? row.value : null;
  }

  setSetting(name, value) {
    this.write("INSERT OR REPLACE INTO settings (name, value) VALUES (?, ?)", name, value);
  }

  write(query, ...bindings) {
    const cursor = this.sql.exec(query, ...bindings);
    cursor.toArray();
    this.rowsWritten += cursor.rowsWritten;
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

/** The operations counted in the last RECENT_OPERATIONS_MS, newest RECENT_OPERATIONS_MAX. */
function recentOperations(raw) {
  const now = Date.now();
  const kept = Object.entries(JSON.parse(raw))
    .filter(([, [at]]) => now - at < RECENT_OPERATIONS_MS)
    .sort(([, [a]], [, [b]]) => b - a)
    .slice(0, RECENT_OPERATIONS_MAX - 1);
  return Object.fromEntries(kept);
}

/** A period's counters as KV keeps them: the value in full, the metadata (what `list` returns,
 * at most 1024 bytes) with the units of each day of the month keyed by the day's number. */
function periodSnapshot(row, credits) {
  const days = JSON.parse(row.days);
  const value = { count: row.used, calls: row.calls, periodStart: row.period, days, overage: row.overage_used, credits };
  const byDayOfMonth = Object.fromEntries(Object.entries(days).map(([day, units]) => [String(Number(day.slice(8, 10))), units]));
  const metadata = {
    ...JSON.parse(row.labels),
    count: row.used,
    calls: row.calls,
    periodStart: row.period,
    overage: row.overage_used,
    credits,
    days: byDayOfMonth,
  };
  return { value, metadata };
}

/** The record the KV meter wrote: {count|usageCount, periodStart, days?, minute?, minuteCount?}. */
function legacyRecord(raw) {
  let data;
  try {
    data = JSON.parse(raw);
  } catch {
    return null;
  }
  const used = Number(data?.count ?? data?.usageCount ?? 0);
  if (typeof data?.periodStart !== "string" || !Number.isInteger(used) || used <= 0) return null;
  const days = {};
  for (const [day, amount] of Object.entries(isObject(data.days) ? data.days : {})) {
    if (Number.isInteger(amount) && amount > 0) days[day] = amount;
  }
  const window = Number.isInteger(data.minute) ? data.minute : -1;
  const windowCalls = Number.isInteger(data.minuteCount) ? data.minuteCount : 0;
  return { period: data.periodStart, used, days, window, windowCalls };
}

function addMissingColumns(sql) {
  for (const [table, columns] of Object.entries(ADDED_COLUMNS)) {
    const present = sql.exec(`SELECT * FROM ${table} LIMIT 0`).columnNames;
    for (const [name, definition] of Object.entries(columns)) {
      if (!present.includes(name)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${definition}`);
    }
  }
}

function invalid(path, input) {
  if (!isObject(input)) return "body must be a JSON object";
  if (!OPERATIONS.includes(path)) return `unknown operation ${path}`;
  if (input.legacyKey != null && typeof input.legacyKey !== "string") return "legacyKey must be a string";
  if (input.notify != null) {
    const problem = invalidNotify(input.notify);
    if (problem) return `notify: ${problem}`;
  }
  if (path === "/credit") return invalidCredit(input);
  if (path === "/overage/state") return null;
  if (path.startsWith("/overage/")) return invalidOverageOperation(path, input);
  if (path === "/ledger") return Number.isInteger(input.entries) && input.entries >= 0 ? null : "entries";
  if (typeof input.period !== "string" || !input.period) return "period must be a string";
  if (path === "/peek") return null;
  if (typeof input.operation !== "string" || !input.operation) return "operation must be a string";
  for (const name of ["window", "amount", "limit", "windowLimit", "deadline", "flushSeconds"]) {
    if (!Number.isInteger(input[name])) return `${name} must be an integer`;
  }
  // Optional: callers deployed before credits existed send neither.
  if (input.creditsCover != null && typeof input.creditsCover !== "boolean") return "creditsCover must be true or false";
  if (input.at != null && !Number.isInteger(input.at)) return "at must be an integer";
  if (input.amount < 1 || input.flushSeconds < 1) return "amount and flushSeconds must be positive";
  if (typeof input.day !== "string") return "day must be a string";
  if (!isObject(input.labels)) return "labels must be an object";
  if (input.snapshotKey != null && typeof input.snapshotKey !== "string") return "snapshotKey must be a string";
  if (input.periodSnapshotKey != null && !(typeof input.periodSnapshotKey === "string" && input.periodSnapshotKey.includes("{period}"))) {
    return "periodSnapshotKey must be a string with {period} in it";
  }
  if (input.overage != null) {
    const overage = input.overage;
    if (!isObject(overage) || !isObject(overage.target) || typeof overage.pendingKey !== "string") {
      return "overage needs a target object and a pendingKey";
    }
    if (overage.maxUnits != null && !(Number.isSafeInteger(overage.maxUnits) && overage.maxUnits >= 0)) {
      return "overage.maxUnits must be a non-negative integer or null";
    }
  }
  const idempotency = input.idempotency;
  if (idempotency != null) {
    if (!isObject(idempotency) || typeof idempotency.key !== "string" || typeof idempotency.fingerprint !== "string") {
      return "idempotency needs a key and a fingerprint";
    }
    if (!Number.isInteger(idempotency.ttlSeconds) || idempotency.ttlSeconds < 1) return "idempotency.ttlSeconds";
  }
  return null;
}

function invalidNotify(notify) {
  if (!isObject(notify) || typeof notify.outbox !== "string" || !notify.outbox) return "needs an outbox name";
  const event = (mark) => isObject(mark) && typeof mark.type === "string" && isObject(mark.data);
  const marks = (list, field) => list == null || (Array.isArray(list) && list.every((m) => event(m) && Number.isSafeInteger(m[field])));
  if (!marks(notify.usage, "at")) return "usage marks need an integer at, a type and data";
  if (!marks(notify.credits, "below")) return "credit marks need an integer below, a type and data";
  return notify.refused == null || event(notify.refused) ? null : "refused needs a type and data";
}

function invalidOverageOperation(path, input) {
  if (typeof input.period !== "string" || !input.period) return "period must be a string";
  if (!Number.isSafeInteger(input.at)) return "at must be an integer";
  if (path === "/overage/claim") return null;
  if (!Number.isSafeInteger(input.seq) || typeof input.accepted !== "boolean") return "seq and accepted are needed";
  return input.accepted || Number.isSafeInteger(input.nextAt) ? null : "nextAt must be an integer";
}

function invalidCredit(input) {
  for (const name of ["reference", "fingerprint", "kind", "reason"]) {
    if (typeof input[name] !== "string") return `${name} must be a string`;
  }
  if (!input.reference) return "reference must not be empty";
  for (const name of ["units", "at", "deadline"]) {
    if (!Number.isSafeInteger(input[name])) return `${name} must be an integer`;
  }
  if (input.snapshotKey != null && typeof input.snapshotKey !== "string") return "snapshotKey must be a string";
  if (input.flushSeconds != null && !(Number.isInteger(input.flushSeconds) && input.flushSeconds > 0)) return "flushSeconds";
  return input.units === 0 ? "units must not be zero" : null;
}

function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export default {
  /** Reachable only through the Durable Object binding in production (workers_dev = false). */
  fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/health") return reply(200, { status: "ok", service: "usage_meter" });
    return reply(404, { error: "not_found", message: `No route for ${path}` });
  },

  /** Cron: wakes every webhook outbox that owes deliveries, so a lost alarm is set again. */
  async scheduled(event, env, ctx) {
    ctx.waitUntil(sweep(env));
  },
};

async function sweep(env) {
  let cursor;
  do {
    const page = await env.USAGE_KV.list({ prefix: PENDING_PREFIX, cursor });
    await Promise.all(
      page.keys.map(async ({ name }) => {
        const outbox = env.WEBHOOK_OUTBOX.get(env.WEBHOOK_OUTBOX.idFromName(name.slice(PENDING_PREFIX.length)));
        const response = await outbox.fetch("https://webhook-outbox/wake", { method: "POST", body: "{}" });
        await response.body?.cancel();
      }),
    );
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
}
