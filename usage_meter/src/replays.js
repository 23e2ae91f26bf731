/** What makes a retried operation count once: the answers kept for Idempotency-Keys (hashed, with a
 * fingerprint of the parameters, for as long as the caller says), and the operations counted in
 * the last two minutes, kept in their period's row (no extra row written per call) with only the
 * counters their answer had: the rest of it is what the retry carries again. The row is read and
 * written on every call, so it stays small. */

// A caller that lost an answer retries the same operation within seconds and gets the first one.
const RECENT_OPERATIONS_MS = 120 * 1000;
const RECENT_OPERATIONS_MAX = 64;

/** The answer kept for `key`, unless it expired. */
export function replay(store, key) {
  const row = store.row("SELECT * FROM replays WHERE key = ?", key);
  return row && row.expires_at > Date.now() ? row : null;
}

/** The earlier answer for this idempotency key (`replayed`), a conflict, or null when it is new. */
export function earlierAnswer(store, idempotency) {
  const earlier = replay(store, idempotency.key);
  if (!earlier) return null;
  return earlier.fingerprint === idempotency.fingerprint
    ? { ...JSON.parse(earlier.result), replayed: true }
    : { decision: "idempotency_conflict" };
}

export function keepReplay(store, idempotency, result) {
  store.write(
    "INSERT OR REPLACE INTO replays (key, fingerprint, result, expires_at) VALUES (?, ?, ?, ?)",
    idempotency.key,
    idempotency.fingerprint,
    JSON.stringify(result),
    Date.now() + idempotency.ttlSeconds * 1000,
  );
}

/** Drops expired answers; when the next one expires (null: none kept). */
export function dropExpiredReplays(store) {
  store.sql.exec("DELETE FROM replays WHERE expires_at <= ?", Date.now());
  return store.value("SELECT MIN(expires_at) AS at FROM replays");
}

// The counters of a counted answer a retried operation gets back (beside `at`, in this order).
const RECENT_COUNTERS = ["used", "calls", "windowCalls", "creditsUsed", "credits", "overageUsed", "held", "available"];

/** What the period's row keeps of a counted answer. */
export function recentEntry(answer) {
  return [Date.now(), ...RECENT_COUNTERS.map((name) => answer[name])];
}

/** The answer a retry of an operation counted earlier gets: the first one. */
export function recentAnswer(entry, input) {
  const answer = {
    decision: "counted",
    replayed: false,
    period: input.period,
    limit: input.limit,
    window: input.window,
    windowLimit: input.windowLimit,
    labels: input.labels,
    units: input.amount,
  };
  RECENT_COUNTERS.forEach((name, index) => {
    answer[name] = entry[index + 1];
  });
  return answer;
}

/** The operations counted in the last RECENT_OPERATIONS_MS, newest RECENT_OPERATIONS_MAX. */
export function recentOperations(raw) {
  const now = Date.now();
  const kept = Object.entries(JSON.parse(raw))
    .filter(([, [at]]) => now - at < RECENT_OPERATIONS_MS)
    .sort(([, [a]], [, [b]]) => b - a)
    .slice(0, RECENT_OPERATIONS_MAX - 1);
  return Object.fromEntries(kept);
}
