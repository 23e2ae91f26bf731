/**
 * dream-api's API keys: one Durable Object per platform, holding the record of every key it was
 * given (never the key itself: its SHA-256, shown prefix, name, times).
 *
 * It holds no policy. The Python workers make the keys, decide how many may be active, when a
 * rolled key stops working and how often "last used" is written, and keep the KV index the
 * metered path reads (`apikey:{hash}`). This object is where those decisions become atomic: the
 * active-key limit is checked and the key stored with no await in between, and a key is rolled
 * (new one in, old one given its end) in one transaction. Every operation is idempotent, so a
 * caller may retry it.
 *
 * Active: not revoked, not past `expires_at`, not replaced by a roll (`rolled_to`).
 *
 * POST /create  store a key unless `maxActive` keys are active already (by id: a retry is a no-op)
 * POST /list    every key, newest first
 * POST /get     one key
 * POST /revoke  mark a key revoked at `at` (the first time only)
 * POST /roll    store `key` as the successor of `id` and let `id` end at `expiresAt`
 * POST /used    record `at` as the key's last use, unless one less than `minIntervalMs` before is
 *               already recorded (one write per key per interval, however many callers report)
 */
import { DurableObject } from "cloudflare:workers";
import { readOperation, reply } from "./operations.js";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS keys (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER,
  last_used_at INTEGER,
  rolled_from TEXT,
  rolled_to TEXT
) WITHOUT ROWID;
`;
const OPERATIONS = ["/create", "/list", "/get", "/revoke", "/roll", "/used"];

export class ApiKeys extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(SCHEMA);
  }

  async fetch(request) {
    const { refusal, path, input } = await readOperation(request, invalid, "bad_keys_request");
    if (refusal) return refusal;
    try {
      return reply(200, this.ctx.storage.transactionSync(() => this.apply(path, input)));
    } catch (error) {
      console.error(`api keys: ${path} failed: ${error}`);
      return reply(503, { error: "keys_failed", message: String(error) });
    }
  }

  apply(path, input) {
    switch (path) {
      case "/create":
        return this.create(input.key, input.maxActive, input.now);
      case "/list":
        return { keys: this.sql.exec("SELECT * FROM keys ORDER BY created_at DESC, id").toArray().map(shown) };
      case "/get":
        return this.found(input.id);
      case "/revoke":
        this.sql.exec("UPDATE keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", input.at, input.id);
        return this.found(input.id);
      case "/roll":
        return this.roll(input.id, input.key, input.expiresAt, input.now);
      default:
        this.sql.exec(
          "UPDATE keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at <= ?)",
          input.at,
          input.id,
          input.at - input.minIntervalMs,
        );
        return this.found(input.id);
    }
  }

  create(key, maxActive, now) {
    const existing = this.row(key.id);
    if (existing) return { decision: "stored", key: shown(existing) };
    if (this.activeCount(now) >= maxActive) return { decision: "too_many" };
    this.insert(key);
    return { decision: "stored", key: shown(this.row(key.id)) };
  }

  roll(id, key, expiresAt, now) {
    const old = this.row(id);
    if (!old) return { decision: "not_found" };
    if (old.rolled_to === key.id) return { decision: "rolled", key: shown(this.row(key.id)), old: shown(old) };
    if (!isActive(old, now)) return { decision: "not_active", old: shown(old) };
    this.insert({ ...key, rolledFrom: id });
    const end = old.expires_at === null ? expiresAt : Math.min(old.expires_at, expiresAt);
    this.sql.exec("UPDATE keys SET rolled_to = ?, expires_at = ? WHERE id = ?", key.id, end, id);
    return { decision: "rolled", key: shown(this.row(key.id)), old: shown(this.row(id)) };
  }

  insert(key) {
    this.sql.exec(
      `INSERT OR IGNORE INTO keys (id, name, hash, prefix, created_at, expires_at, rolled_from)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      key.id,
      key.name,
      key.hash,
      key.prefix,
      key.createdAt,
      key.expiresAt ?? null,
      key.rolledFrom ?? null,
    );
  }

  activeCount(now) {
    const rows = this.sql.exec("SELECT * FROM keys WHERE revoked_at IS NULL AND rolled_to IS NULL").toArray();
    return rows.filter((row) => isActive(row, now)).length;
  }

  row(id) {
    return this.sql.exec("SELECT * FROM keys WHERE id = ?", id).toArray()[0];
  }

  found(id) {
    const row = this.row(id);
    return row ? { decision: "found", key: shown(row) } : { decision: "not_found" };
  }
}

function isActive(row, now) {
  return row.revoked_at === null && row.rolled_to === null && (row.expires_at === null || row.expires_at > now);
}

function shown(row) {
  return {
    id: row.id,
    name: row.name,
    hash: row.hash,
    prefix: row.prefix,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
    rolledFrom: row.rolled_from,
    rolledTo: row.rolled_to,
  };
}

const isKey = (key) =>
  key !== null &&
  typeof key === "object" &&
  ["id", "name", "hash", "prefix"].every((field) => typeof key[field] === "string") &&
  Number.isInteger(key.createdAt) &&
  (key.expiresAt === undefined || key.expiresAt === null || Number.isInteger(key.expiresAt));

function invalid(path, input) {
  if (!OPERATIONS.includes(path)) return `unknown operation ${path}`;
  if (input === null || typeof input !== "object") return "body must be a JSON object";
  if (path === "/list") return null;
  if (path === "/create") {
    if (!isKey(input.key)) return "key must be a key record";
    return Number.isInteger(input.maxActive) && Number.isInteger(input.now) ? null : "maxActive and now must be integers";
  }
  if (typeof input.id !== "string") return "id must be a string";
  if (path === "/get") return null;
  if (path === "/revoke") return Number.isInteger(input.at) ? null : "at must be an integer";
  if (path === "/roll") {
    if (!isKey(input.key)) return "key must be a key record";
    return Number.isInteger(input.expiresAt) && Number.isInteger(input.now) ? null : "expiresAt and now must be integers";
  }
  return Number.isInteger(input.at) && Number.isInteger(input.minIntervalMs) ? null : "at and minIntervalMs must be integers";
}
