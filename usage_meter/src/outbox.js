/**
 * dream-api's webhook outbox: one Durable Object per platform, holding its developer's webhook
 * endpoints and every event still owed to one of them, sending them from its alarm.
 *
 * It holds no policy. The Python workers decide which events exist and what they say, the
 * endpoints' rules, the retry schedule and the timeout (sent with every endpoint change); the
 * usage meter's objects forward the events their counters produced. This object keeps each event
 * once (by id), owes it to every endpoint that takes its type, signs each attempt the Standard
 * Webhooks way (HMAC-SHA256 of "id.timestamp.body", `webhook-*` headers) and records the outcome.
 * A delivery's `webhook-id` is its event's id on every attempt, so receivers can drop repeats.
 *
 * POST /endpoints/…       add, delete, list the endpoints (outbox_endpoints.js)
 * POST /enqueue           keep events (once per id) and owe each to every endpoint taking its
 *                         type (or to `endpointId` alone)
 * POST /deliveries        an endpoint's latest deliveries, newest first
 * POST /events            the latest events whose `data[field]` is `value`, newest first, each
 *                         with its deliveries
 * POST /retry             owe one delivery again, due now
 * POST /wake              nothing: waking the object is the point (see `sweep` in index.js)
 * alarm                   send what is due, oldest event first per endpoint; a failure is due again
 *                         after the next step of the schedule, and failed after its last step
 */
import { DurableObject } from "cloudflare:workers";

import { attempt, shownDelivery } from "./outbox_delivery.js";
import { deleteEndpoint, listEndpoints, putEndpoint } from "./outbox_endpoints.js";
import { invalidOutboxInput } from "./outbox_input.js";
import { alarmBy, readOperation, reply } from "./operations.js";
import { Store } from "./store.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS endpoints (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  secret TEXT NOT NULL,
  events TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  body TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS deliveries (
  id TEXT NOT NULL UNIQUE,
  endpoint_id TEXT NOT NULL,
  event_id TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_at INTEGER,
  last_status INTEGER,
  last_error TEXT,
  last_attempt_at INTEGER,
  created_at INTEGER NOT NULL,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at);
CREATE INDEX IF NOT EXISTS deliveries_by_endpoint ON deliveries (endpoint_id, created_at);
CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
`;
export const PENDING_PREFIX = "outbox:pending:"; // USAGE_KV: the outboxes owing deliveries
const BATCH = 50; // deliveries attempted per alarm; the alarm runs again at once when more are due
const KEEP_MS = 30 * 24 * 3600 * 1000; // finished deliveries (and their events) are kept 30 days
const DELIVERY_WITH_TYPE = "SELECT d.*, e.type FROM deliveries d JOIN events e ON e.id = d.event_id";

export class WebhookOutbox extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.store = new Store(ctx.storage);
    this.store.sql.exec(SCHEMA);
    // The local runtime loses alarms when it restarts: whenever the object wakes, anything still
    // owed gets its alarm back (in production alarms are durable and this finds one set).
    ctx.blockConcurrencyWhile(() => this.scheduleNext());
  }

  async fetch(request) {
    const { refusal, path, input } = await readOperation(request, invalidOutboxInput, "bad_outbox_request");
    if (refusal) return refusal;
    try {
      if (typeof input.outbox === "string") this.store.setSetting("name", input.outbox);
      const result = this.apply(path, input);
      if (path === "/enqueue" || path === "/retry") await this.scheduleNext();
      return reply(200, result);
    } catch (error) {
      console.error(`webhook outbox: ${path} failed: ${error}`);
      return reply(503, { error: "outbox_failed", message: String(error) });
    }
  }

  apply(path, input) {
    const store = this.store;
    switch (path) {
      case "/endpoints/put":
        return putEndpoint(store, input);
      case "/endpoints/delete":
        return deleteEndpoint(store, input.id);
      case "/endpoints/list":
        return { endpoints: listEndpoints(store) };
      case "/enqueue":
        return this.enqueue(input.events, input.endpointId ?? null);
      case "/deliveries":
        return this.deliveries(input.endpointId, input.limit);
      case "/events":
        return this.eventsAbout(input.field, input.value, input.limit);
      case "/retry":
        return this.retry(input.endpointId, input.deliveryId);
      default:
        return { decision: "awake" };
    }
  }

  /** Each event once; owed to the endpoints that take its type (or `only` that one). */
  enqueue(events, only) {
    const store = this.store;
    return store.transaction(() => {
      const now = Date.now();
      const endpoints = store.rows("SELECT id, events FROM endpoints");
      let owed = 0;
      for (const event of events) {
        const takers = endpoints.filter((p) => (only ? p.id === only : JSON.parse(p.events).includes(event.type)));
        if (takers.length === 0) continue; // nobody listens: nothing to keep
        store.write(
          "INSERT OR IGNORE INTO events (id, type, created_at, body) VALUES (?, ?, ?, ?)",
          event.id,
          event.type,
          event.createdAt,
          event.body,
        );
        for (const taker of takers) {
          owed += store.write(
            `INSERT OR IGNORE INTO deliveries (id, endpoint_id, event_id, state, attempts, next_at, created_at)
             VALUES (?, ?, ?, 'pending', 0, ?, ?)`,
            `dlv_${crypto.randomUUID().replaceAll("-", "")}`,
            taker.id,
            event.id,
            now,
            now,
          );
        }
      }
      return { decision: "queued", owed };
    });
  }

  deliveries(endpointId, limit) {
    const rows = this.store.rows(
      `${DELIVERY_WITH_TYPE} WHERE d.endpoint_id = ? ORDER BY d.created_at DESC, d.rowid DESC LIMIT ?`,
      endpointId,
      limit,
    );
    return { deliveries: rows.map(shownDelivery) };
  }

  eventsAbout(field, value, limit) {
    const events = this.store.rows(
      "SELECT id, type, created_at, body FROM events WHERE json_extract(body, ?) = ? ORDER BY created_at DESC, id LIMIT ?",
      `$.data.${field}`,
      value,
      limit,
    );
    return {
      events: events.map((event) => ({
        id: event.id,
        type: event.type,
        createdAt: event.created_at,
        data: JSON.parse(event.body).data,
        deliveries: this.store
          .rows(`${DELIVERY_WITH_TYPE} WHERE d.event_id = ?`, event.id)
          .map((row) => ({ ...shownDelivery(row), endpointId: row.endpoint_id })),
      })),
    };
  }

  retry(endpointId, deliveryId) {
    const written = this.store.write(
      "UPDATE deliveries SET state = 'pending', next_at = ? WHERE id = ? AND endpoint_id = ?",
      Date.now(),
      deliveryId,
      endpointId,
    );
    if (written === 0) return { decision: "not_found" };
    return { decision: "queued", delivery: shownDelivery(this.store.row(`${DELIVERY_WITH_TYPE} WHERE d.id = ?`, deliveryId)) };
  }

  async alarm() {
    const store = this.store;
    const delivery = JSON.parse(store.setting("delivery") ?? "null");
    const due = store.rows(
      `SELECT d.id, d.endpoint_id, d.event_id, d.attempts, e.body, p.url, p.secret
       FROM deliveries d JOIN events e ON e.id = d.event_id JOIN endpoints p ON p.id = d.endpoint_id
       WHERE d.state = 'pending' AND d.next_at <= ? ORDER BY e.created_at, d.rowid LIMIT ?`,
      Date.now(),
      BATCH,
    );
    if (delivery && due.length) {
      const byEndpoint = Map.groupBy(due, (row) => row.endpoint_id);
      await Promise.all([...byEndpoint.values()].map((rows) => this.sendInOrder(rows, delivery)));
    }
    const cutoff = Date.now() - KEEP_MS;
    store.sql.exec("DELETE FROM deliveries WHERE state != 'pending' AND created_at < ?", cutoff);
    store.sql.exec("DELETE FROM events WHERE id NOT IN (SELECT event_id FROM deliveries)");
    await this.scheduleNext();
  }

  async sendInOrder(rows, delivery) {
    for (const row of rows) {
      const outcome = await attempt(row, delivery.timeoutMs);
      const attempts = row.attempts + 1;
      const delivered = outcome.status >= 200 && outcome.status < 300;
      const waitSeconds = delivery.retrySeconds[attempts - 1];
      const state = delivered ? "delivered" : waitSeconds === undefined ? "failed" : "pending";
      this.store.write(
        `UPDATE deliveries SET state = ?, attempts = ?, next_at = ?, last_status = ?, last_error = ?,
           last_attempt_at = ? WHERE id = ?`,
        state,
        attempts,
        state === "pending" ? Date.now() + waitSeconds * 1000 : null,
        outcome.status,
        outcome.error,
        Date.now(),
        row.id,
      );
    }
  }

  /**
   * Sets the alarm for the next delivery due. The outbox is also listed in KV while it owes any:
   * the local runtime forgets alarms when it restarts, and the meter worker's cron wakes the
   * objects listed (in production alarms are durable; the list costs two KV writes per busy spell).
   */
  async scheduleNext() {
    const store = this.store;
    const next = store.value("SELECT MIN(next_at) AS at FROM deliveries WHERE state = 'pending'");
    const name = store.setting("name");
    const listed = store.setting("listed") === "1";
    if (name && this.env.USAGE_KV && listed !== (next !== null)) {
      if (next === null) await this.env.USAGE_KV.delete(PENDING_PREFIX + name);
      else await this.env.USAGE_KV.put(PENDING_PREFIX + name, "");
      store.setSetting("listed", next === null ? "0" : "1");
    }
    if (next !== null) await alarmBy(this.ctx.storage, Math.max(next, Date.now()));
  }
}
