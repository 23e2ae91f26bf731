/** Prepaid credits: the subject's balance (never below zero) and its ledger. A change carries a
 * reference, its ledger entry's key, applied at most once ever; the units calls spend are one
 * ledger entry per day. */

import { noteCredits } from "./notices.js";

export function balance(store) {
  const row = store.row("SELECT balance FROM credits WHERE id = 1");
  return row ? row.balance : 0;
}

function setBalance(store, value) {
  store.write("INSERT INTO credits (id, balance) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET balance = excluded.balance", value);
}

/** Credits spent by calls: the balance, and the day's usage entry of the ledger. */
export function spendCredits(store, units, day, at) {
  const after = balance(store) - units;
  setBalance(store, after);
  store.write(
    `INSERT INTO ledger (key, kind, units, reason, day, at, balance, fingerprint)
     VALUES (?, 'usage', ?, 'calls', ?, ?, ?, '')
     ON CONFLICT (key) DO UPDATE SET units = units + excluded.units, at = excluded.at, balance = excluded.balance`,
    `usage:${day}`,
    -units,
    day,
    at,
    after,
  );
}

/** POST /credit: the balance changed by `units` once per `reference`, never below zero. */
export function changeCredits(store, input) {
  return store.transaction(() => {
    const earlier = store.row("SELECT * FROM ledger WHERE key = ?", input.reference);
    if (earlier) {
      const { fingerprint, ...shown } = earlier;
      return fingerprint === input.fingerprint
        ? { decision: "applied", replayed: true, balance: balance(store), entry: shown }
        : { decision: "conflict", balance: balance(store) };
    }
    if (Date.now() > input.deadline) return { decision: "deadline_passed" };
    const before = balance(store);
    const after = before + input.units;
    if (after < 0) return { decision: "insufficient_credits", balance: before };
    const entry = { key: input.reference, kind: input.kind, units: input.units, reason: input.reason, day: "", at: input.at, balance: after };
    noteCredits(store, input, before, after);
    setBalance(store, after);
    store.write(
      "INSERT INTO ledger (key, kind, units, reason, day, at, balance, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      ...Object.values(entry),
      input.fingerprint,
    );
    return { decision: "applied", replayed: false, balance: after, entry };
  });
}

/** POST /ledger: the balance and the latest `entries` entries, newest first. */
export function ledger(store, input) {
  const entries = store.rows("SELECT kind, units, reason, day, at, balance FROM ledger ORDER BY at DESC, key DESC LIMIT ?", input.entries);
  return { balance: balance(store), entries };
}
