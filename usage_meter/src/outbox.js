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
 * POST /endpoints/put     add an endpoint, unless `maxEndpoints` are there already
 * POST /endpoints/delete  remove one, with the deliveries it was owed
 * POST /endpoints/list    the endpoints, without their secrets
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
import { alarmBy, readOperation, reply } from "./operations.js";

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
const OPERATIONS = ["/endpoints/put", "/endpoints/delete", "/endpoints/list", "/enqueue", "/deliveries", "/events", "/retry", "/wake"];
export const PENDING_PREFIX = "outbox:pending:"; // USAGE_KV: the outboxes owing deliveries
const BATCH = 50; // deliveries attempted per alarm; the alarm runs again at once when more are due
const KEEP_MS = 30 * 24 * 3600 * 1000; // finished deliveries (and their events) are kept 30 days

export class WebhookOutbox extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
    // The local runtime loses alarms when it restarts: whenever the object wakes, anything still
    // owed gets its alarm back (in production alarms are durable and this finds one set).
    ctx.blockConcurrencyWhile(() => this.scheduleNext());
  }

  async fetch(request) {
    const { refusal, path, input } = await readOperation(request, invalid, "bad_outbox_request");
    if (refusal) return refusal;
    try {
      if (typeof input.outbox === "string" && this.setting("name") !== input.outbox) {
        this.sql.exec("INSERT OR REPLACE INTO settings (name, value) VALUES ('name', ?)", input.outbox);
      }
      const result = this.apply(path, input);
      if (path === "/enqueue" || path === "/retry") await this.scheduleNext();
      return reply(200, result);
    } catch (error) {
      console.error(`webhook outbox: ${path} failed: ${error}`);
      return reply(503, { error: "outbox_failed", message: String(error) });
    }
  }

  apply(path, input) {
    switch (path) {
      case "/endpoints/put":
        return this.putEndpoint(input);
      case "/endpoints/delete":
        return this.deleteEndpoint(input.id);
      case "/endpoints/list":
        return { endpoints: this.endpoints() };
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

  putEndpoint({ endpoint, delivery, maxEndpoints }) {
    return this.ctx.storage.transactionSync(() => {
      const existing = this.sql.exec("SELECT id FROM endpoints WHERE id = ?", endpoint.id).toArray()[0];
      if (!existing && this.sql.exec("SELECT COUNT(*) AS n FROM endpoints").one().n >= maxEndpoints) {
        return { decision: "too_many" };
      }
      this.sql.exec(
        `INSERT OR REPLACE INTO endpoints (id, url, secret, events, description, created_at)
         VALUES (?, ?, ?, ?, ?, ?)`,
        endpoint.id,
        endpoint.url,
        endpoint.secret,
        JSON.stringify(endpoint.events),
        endpoint.description,
        endpoint.createdAt,
      );
      this.sql.exec("INSERT OR REPLACE INTO settings (name, value) VALUES ('delivery', ?)", JSON.stringify(delivery));
      return { decision: "stored", endpoint: this.endpoints(endpoint.id)[0] };
    });
  }

  deleteEndpoint(id) {
    return this.ctx.storage.transactionSync(() => {
      const deleted = this.sql.exec("DELETE FROM endpoints WHERE id = ?", id).rowsWritten > 0;
      if (deleted) this.sql.exec("DELETE FROM deliveries WHERE endpoint_id = ?", id);
      return { decision: deleted ? "deleted" : "not_found" };
    });
  }

  endpoints(id = null) {
    const rows = this.sql
      .exec(
        "SELECT id, url, events, description, created_at FROM endpoints WHERE ? IS NULL OR id = ? ORDER BY created_at, id",
        id,
        id,
      )
      .toArray();
    return rows.map((row) => ({
      id: row.id,
      url: row.url,
      events: JSON.parse(row.events),
      description: row.description,
      createdAt: row.created_at,
    }));
  }

  /** Each event once; owed to the endpoints that take its type (or `only` that one). */
  enqueue(events, only) {
    return this.ctx.storage.transactionSync(() => {
      const now = Date.now();
      const endpoints = this.sql.exec("SELECT id, events FROM endpoints").toArray();
      let owed = 0;
      for (const event of events) {
        const takers = endpoints.filter((p) => (only ? p.id === only : JSON.parse(p.events).includes(event.type)));
        if (takers.length === 0) continue; // nobody listens: nothing to keep
        this.sql.exec(
          "INSERT OR IGNORE INTO events (id, type, created_at, body) VALUES (?, ?, ?, ?)",
          event.id,
          event.type,
          event.createdAt,
          event.body,
        );
        for (const taker of takers) {
          owed += this.sql.exec(
            `INSERT OR IGNORE INTO deliveries (id, endpoint_id, event_id, state, attempts, next_at, created_at)
             VALUES (?, ?, ?, 'pending', 0, ?, ?)`,
            `dlv_${crypto.randomUUID().replaceAll("-", "")}`,
            taker.id,
            event.id,
            now,
            now,
          ).rowsWritten;
        }
      }
      return { decision: "queued", owed };
    });
  }

  deliveries(endpointId, limit) {
    const rows = this.sql
      .exec(
        `SELECT d.*, e.type FROM deliveries d JOIN events e ON e.id = d.event_id
         WHERE d.endpoint_id = ? ORDER BY d.created_at DESC, d.rowid DESC LIMIT ?`,
        endpointId,
        limit,
      )
      .toArray();
    return { deliveries: rows.map(shownDelivery) };
  }

  eventsAbout(field, value, limit) {
    const events = this.sql
      .exec(
        "SELECT id, type, created_at, body FROM events WHERE json_extract(body, ?) = ? ORDER BY created_at DESC, id LIMIT ?",
        `$.data.${field}`,
        value,
        limit,
      )
      .toArray();
    return {
      events: events.map((event) => ({
        id: event.id,
        type: event.type,
        createdAt: event.created_at,
        data: JSON.parse(event.body).data,
        deliveries: this.sql
          .exec("SELECT d.*, e.type FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.event_id = ?", event.id)
          .toArray()
          .map((row) => ({ ...shownDelivery(row), endpointId: row.endpoint_id })),
      })),
    };
  }

  retry(endpointId, deliveryId) {
    const written = this.sql.exec(
      "UPDATE deliveries SET state = 'pending', next_at = ? WHERE id = ? AND endpoint_id = ?",
      Date.now(),
      deliveryId,
      endpointId,
    ).rowsWritten;
    if (written === 0) return { decision: "not_found" };
    const row = this.sql
      .exec("SELECT d.*, e.type FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?", deliveryId)
      .one();
    return { decision: "queued", delivery: shownDelivery(row) };
  }

  async alarm() {
    const delivery = JSON.parse(this.setting("delivery") ?? "null");
    const due = this.sql
      .exec(
        `SELECT d.id, d.endpoint_id, d.event_id, d.attempts, e.body, p.url, p.secret
         FROM deliveries d JOIN events e ON e.id = d.event_id JOIN endpoints p ON p.id = d.endpoint_id
         WHERE d.state = 'pending' AND d.next_at <= ? ORDER BY e.created_at, d.rowid LIMIT ?`,
        Date.now(),
        BATCH,
      )
      .toArray();
    if (delivery && due.length) {
      const byEndpoint = Map.groupBy(due, (row) => row.endpoint_id);
      await Promise.all([...byEndpoint.values()].map((rows) => this.sendInOrder(rows, delivery)));
    }
    const cutoff = Date.now() - KEEP_MS;
    this.sql.exec("DELETE FROM deliveries WHERE state != 'pending' AND created_at < ?", cutoff);
    this.sql.exec("DELETE FROM events WHERE id NOT IN (SELECT event_id FROM deliveries)");
    await this.scheduleNext();
  }

  async sendInOrder(rows, delivery) {
    for (const row of rows) {
      const outcome = await attempt(row, delivery.timeoutMs);
      const attempts = row.attempts + 1;
      const delivered = outcome.status >= 200 && outcome.status < 300;
      const waitSeconds = delivery.retrySeconds[attempts - 1];
      const state = delivered ? "delivered" : waitSeconds === undefined ? "failed" : "pending";
      this.sql.exec(
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
    const next = this.sql.exec("SELECT MIN(next_at) AS at FROM deliveries WHERE state = 'pending'").one().at;
    const name = this.setting("name");
    const listed = this.setting("listed") === "1";
    if (name && this.env.USAGE_KV && listed !== (next !== null)) {
      if (next === null) await this.env.USAGE_KV.delete(PENDING_PREFIX + name);
      else await this.env.USAGE_KV.put(PENDING_PREFIX + name, "");
      this.sql.exec("INSERT OR REPLACE INTO settings (name, value) VALUES ('listed', ?)", next === null ? "0" : "1");
    }
    if (next !== null) await alarmBy(this.ctx.storage, Math.max(next, Date.now()));
  }

  setting(name) {
    const row = this.sql.exec("SELECT value FROM settings WHERE name = ?", name).toArray()[0];
    return row ? row.value : null;
  }
}

/** One signed POST; never throws: the outcome is a status (0 when none came) and an error. */
async function attempt(row, timeoutMs) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = await sign(row.secret, `${row.event_id}.${timestamp}.${row.body}`);
  try {
    const response = await fetch(row.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "dream-api-webhooks/1",
        "webhook-id": row.event_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": `v1,${signature}`,
      },
      body: row.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return { status: response.status, error: response.ok ? null : `HTTP ${response.status}` };
  } catch (error) {
    return { status: 0, error: error?.name === "TimeoutError" ? "timed out" : "could not connect" };
  }
}

/** Standard Webhooks: base64 HMAC-SHA256 with the base64 key after "whsec_". */
async function sign(secret, content) {
  const keyBytes = Uint8Array.from(atob(secret.slice("whsec_".length)), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(content)));
  return btoa(String.fromCharCode(...mac));
}

function shownDelivery(row) {
  return {
    id: row.id,
    eventId: row.event_id,
    type: row.type,
    state: row.state,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.next_at,
    createdAt: row.created_at,
  };
}

function invalid(path, input) {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return "body must be a JSON object";
  if (!OPERATIONS.includes(path)) return `unknown operation ${path}`;
  if (path === "/endpoints/put") return invalidEndpoint(input);
  if (path === "/endpoints/delete") return typeof input.id === "string" ? null : "id must be a string";
  if (path === "/enqueue") return invalidEvents(input);
  if (path === "/deliveries") {
    if (typeof input.endpointId !== "string") return "endpointId must be a string";
    return Number.isInteger(input.limit) && input.limit > 0 ? null : "limit must be a positive integer";
  }
  if (path === "/events") {
    if (typeof input.field !== "string" || !/^[A-Za-z]{1,32}$/.test(input.field)) return "field must be a name";
    if (typeof input.value !== "string") return "value must be a string";
    return Number.isInteger(input.limit) && input.limit > 0 ? null : "limit must be a positive integer";
  }
  if (path === "/retry") {
    return typeof input.endpointId === "string" && typeof input.deliveryId === "string"
      ? null
      : "endpointId and deliveryId must be strings";
  }
  return null;
}

function invalidEndpoint({ endpoint, delivery, maxEndpoints }) {
  if (typeof endpoint !== "object" || endpoint === null) return "endpoint must be an object";
  for (const name of ["id", "url", "secret", "description"]) {
    if (typeof endpoint[name] !== "string") return `endpoint.${name} must be a string`;
  }
  if (!endpoint.secret.startsWith("whsec_")) return "endpoint.secret must start with whsec_";
  if (!Array.isArray(endpoint.events) || !endpoint.events.every((t) => typeof t === "string")) {
    return "endpoint.events must be a list of strings";
  }
  if (!Number.isInteger(endpoint.createdAt)) return "endpoint.createdAt must be an integer";
  if (!Number.isInteger(maxEndpoints)) return "maxEndpoints must be an integer";
  if (typeof delivery !== "object" || delivery === null) return "delivery must be an object";
  if (!Array.isArray(delivery.retrySeconds) || !delivery.retrySeconds.every((s) => Number.isInteger(s) && s > 0)) {
    return "delivery.retrySeconds must be a list of positive integers";
  }
  return Number.isInteger(delivery.timeoutMs) && delivery.timeoutMs > 0 ? null : "delivery.timeoutMs";
}

function invalidEvents({ events, endpointId }) {
  if (endpointId != null && typeof endpointId !== "string") return "endpointId must be a string";
  if (!Array.isArray(events)) return "events must be a list";
  for (const event of events) {
    if (typeof event !== "object" || event === null) return "each event must be an object";
    for (const name of ["id", "type", "body"]) if (typeof event[name] !== "string") return `event.${name} must be a string`;
    if (!Number.isInteger(event.createdAt)) return "event.createdAt must be an integer";
  }
  return null;
}
