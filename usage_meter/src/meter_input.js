/** What a meter operation must carry; anything else is refused (400) before it touches storage. */

export const METER_OPERATIONS = [
  "/meter",
  "/peek",
  "/reserve",
  "/settle",
  "/release",
  "/hold",
  "/credit",
  "/ledger",
  "/overage/state",
  "/overage/claim",
  "/overage/settle",
];

/** A description of what is wrong with the input of `path`, or null. */
export function invalidMeterInput(path, input) {
  if (!isObject(input)) return "body must be a JSON object";
  if (!METER_OPERATIONS.includes(path)) return `unknown operation ${path}`;
  if (input.notify != null) {
    const problem = invalidNotify(input.notify);
    if (problem) return `notify: ${problem}`;
  }
  if (path === "/credit") return invalidCredit(input);
  if (path === "/overage/state") return null;
  if (path.startsWith("/overage/")) return invalidOverageOperation(path, input);
  if (path === "/ledger") return Number.isInteger(input.entries) && input.entries >= 0 ? null : "entries";
  if (path === "/hold") return invalidHoldId(input);
  if (typeof input.period !== "string" || !input.period) return "period must be a string";
  if (path === "/peek") return null;
  if (path === "/meter" && (typeof input.operation !== "string" || !input.operation)) return "operation must be a string";
  if (path === "/release") return invalidHoldId(input) ?? invalidTerms(input);
  const least = path === "/meter" ? 1 : 0; // settling 0 counts nothing; holding 0 counts the call alone
  if (!(Number.isSafeInteger(input.amount) && input.amount >= least)) return `amount must be an integer of at least ${least}`;
  if (path === "/settle") return invalidHoldId(input) ?? invalidTerms(input);
  if (path === "/reserve") {
    const hold = input.hold;
    if (!isObject(hold) || typeof hold.id !== "string" || !hold.id || !Number.isSafeInteger(hold.expiresAt)) {
      return "hold needs an id and an integer expiresAt";
    }
  }
  return invalidTerms(input);
}

function invalidHoldId(input) {
  return typeof input.holdId === "string" && input.holdId ? null : "holdId must be a string";
}

/** What counting needs besides the amount: the caller's clock, limits, labels and where to report. */
function invalidTerms(input) {
  for (const name of ["window", "limit", "windowLimit", "deadline", "flushSeconds", "at"]) {
    if (!Number.isSafeInteger(input[name])) return `${name} must be an integer`;
  }
  if (typeof input.creditsCover !== "boolean") return "creditsCover must be true or false";
  if (input.flushSeconds < 1) return "flushSeconds must be positive";
  if (input.breakdown != null && !(typeof input.breakdown === "string" && input.breakdown.length <= 200)) {
    return "breakdown must be a string of at most 200 characters";
  }
  if (typeof input.day !== "string") return "day must be a string";
  if (!isObject(input.labels)) return "labels must be an object";
  if (input.snapshotKey != null && typeof input.snapshotKey !== "string") return "snapshotKey must be a string";
  if (input.periodSnapshotKey != null && !(typeof input.periodSnapshotKey === "string" && input.periodSnapshotKey.includes("{period}"))) {
    return "periodSnapshotKey must be a string with {period} in it";
  }
  if (input.overage != null) {
    const problem = invalidOverage(input.overage);
    if (problem) return problem;
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

function invalidOverage(overage) {
  if (!isObject(overage) || !isObject(overage.target) || typeof overage.pendingKey !== "string") {
    return "overage needs a target object and a pendingKey";
  }
  if (overage.maxUnits != null && !(Number.isSafeInteger(overage.maxUnits) && overage.maxUnits >= 0)) {
    return "overage.maxUnits must be a non-negative integer or null";
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
  for (const name of ["units", "at", "deadline", "flushSeconds"]) {
    if (!Number.isSafeInteger(input[name])) return `${name} must be an integer`;
  }
  if (input.snapshotKey != null && typeof input.snapshotKey !== "string") return "snapshotKey must be a string";
  if (input.flushSeconds < 1) return "flushSeconds must be positive";
  return input.units === 0 ? "units must not be zero" : null;
}

export function isObject(value) {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
