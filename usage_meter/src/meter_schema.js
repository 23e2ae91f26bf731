/** The tables of one meter object (one metered subject). */

export const METER_SCHEMA = `
CREATE TABLE IF NOT EXISTS periods (
  period TEXT PRIMARY KEY,
  used INTEGER NOT NULL,
  calls INTEGER NOT NULL,
  days TEXT NOT NULL,
  win INTEGER NOT NULL,
  win_calls INTEGER NOT NULL,
  labels TEXT NOT NULL,
  recent TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  credits_used INTEGER NOT NULL DEFAULT 0,
  refusal_notified INTEGER NOT NULL DEFAULT 0,
  overage_used INTEGER NOT NULL DEFAULT 0,
  overage_target TEXT,
  last_overage_at INTEGER,
  breakdown TEXT NOT NULL DEFAULT '{}'
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
CREATE TABLE IF NOT EXISTS holds (
  id TEXT PRIMARY KEY,
  units INTEGER NOT NULL,
  state TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  settled_units INTEGER,
  requested_units INTEGER,
  reserve_answer TEXT NOT NULL,
  finish_answer TEXT
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS holds_open ON holds (state, expires_at);
`;
