/**
 * Errors: every answer of api_multi that is not a success becomes a subclass of `DreamApiError`
 * (`status`, `code` = the body's `error`, `message`, `body`); a request that never got an answer
 * (after the retries) is `ConnectionFailed`.
 */
import type { ReservationInfo } from "./types.js";

/** The X-RateLimit-* headers: the end user's per-minute window. */
export interface RateLimitInfo {
  /** calls allowed a minute */
  limit: number;
  /** calls left this minute */
  remaining: number;
  /** epoch seconds when the minute ends */
  reset: number;
}

export interface ErrorDetails {
  status: number;
  code: string;
  message: string;
  body: unknown;
  headers?: Headers;
  requestId?: string;
  cause?: unknown;
}

export class DreamApiError extends Error {
  /** HTTP status (0 when no answer arrived) */
  readonly status: number;
  /** the body's `error` field, e.g. `invalid_api_key` or `Tier limit reached` */
  readonly code: string;
  /** the parsed JSON body (or the text when it was not JSON) */
  readonly body: unknown;
  /** the answer's headers, when there was an answer */
  readonly headers: Headers | undefined;
  /** the answer's X-Request-Id (quote it when you report a problem) */
  readonly requestId: string | undefined;

  constructor(details: ErrorDetails) {
    super(details.message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.status = details.status;
    this.code = details.code;
    this.body = details.body;
    this.headers = details.headers;
    this.requestId = details.requestId;
  }
}

function field(body: unknown, name: string): unknown {
  return body !== null && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
}

function intField(body: unknown, name: string): number | undefined {
  const value = field(body, name);
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

function intHeader(headers: Headers | undefined, name: string): number | undefined {
  const raw = headers?.get(name);
  if (raw === null || raw === undefined || raw.trim() === "") return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? value : undefined;
}

/** Retry-After in seconds (its delta-seconds form, or an HTTP date). */
export function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const raw = headers?.get("retry-after");
  if (raw === null || raw === undefined || raw.trim() === "") return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

/** The X-RateLimit-* headers of an answer, when it has them. */
export function rateLimitInfo(headers: Headers | undefined): RateLimitInfo | undefined {
  const limit = intHeader(headers, "x-ratelimit-limit");
  const remaining = intHeader(headers, "x-ratelimit-remaining");
  const reset = intHeader(headers, "x-ratelimit-reset");
  if (limit === undefined || remaining === undefined || reset === undefined) return undefined;
  return { limit, remaining, reset };
}

/** 403 "Tier limit reached": the month's included units and the credits do not cover the call
 * (or the reservation, beside what other reservations hold); nothing was counted, spent or held. */
export class QuotaExceeded extends DreamApiError {
  /** units counted this month */
  readonly count: number;
  /** units included a month in the tier */
  readonly limit: number;
  /** the tier the call counted against */
  readonly plan: string;
  /** the credit balance that could not cover the call (where credits apply) */
  readonly creditsBalance: number | undefined;
  /** units held by the end user's open reservations */
  readonly held: number | undefined;
  /** units left beside what is held */
  readonly available: number | undefined;

  constructor(details: ErrorDetails) {
    super(details);
    this.count = intField(details.body, "count") ?? 0;
    this.limit = intField(details.body, "limit") ?? 0;
    const plan = field(details.body, "plan");
    this.plan = typeof plan === "string" ? plan : "";
    this.creditsBalance = intField(details.body, "creditsBalance");
    this.held = intField(details.body, "held");
    this.available = intField(details.body, "available");
  }
}

/** 429: the end user's per-minute rate limit; nothing was counted. */
export class RateLimited extends DreamApiError {
  /** seconds until the minute ends (Retry-After) */
  readonly retryAfter: number;
  /** calls allowed a minute (X-RateLimit-Limit) */
  readonly limit: number | undefined;
  /** calls left this minute (X-RateLimit-Remaining) */
  readonly remaining: number | undefined;
  /** epoch seconds when the minute ends (X-RateLimit-Reset) */
  readonly reset: number | undefined;

  constructor(details: ErrorDetails) {
    super(details);
    this.retryAfter = retryAfterSeconds(details.headers) ?? intField(details.body, "retryAfter") ?? 1;
    this.limit = intHeader(details.headers, "x-ratelimit-limit");
    this.remaining = intHeader(details.headers, "x-ratelimit-remaining");
    this.reset = intHeader(details.headers, "x-ratelimit-reset");
  }
}

/** 401 `invalid_api_key` (unknown, revoked or mistyped key) or `expired_api_key` (past its expiry,
 * or a rolled key past its grace period). */
export class InvalidApiKey extends DreamApiError {
  get expired(): boolean {
    return this.code === "expired_api_key";
  }
}

/** 502/503: something the API depends on is unavailable (`storage_unavailable`,
 * `stripe_unavailable`, …); nothing was done; retry after `retryAfter` seconds. */
export class ServiceUnavailable extends DreamApiError {
  /** seconds to wait before trying again (Retry-After) */
  readonly retryAfter: number;

  constructor(details: ErrorDetails) {
    super(details);
    this.retryAfter = retryAfterSeconds(details.headers) ?? 2;
  }
}

/** 503 `meter_unavailable`: the usage meter did not confirm in time; the call was not counted. */
export class MeterUnavailable extends ServiceUnavailable {}

/** 400 (and 413, 422): the request is wrong, e.g. `invalid_units`, `unknown_plan`,
 * `invalid_field`, `idempotency_key_reused`. */
export class BadRequest extends DreamApiError {}

/** 404, e.g. `api_key_not_found`, `platform_not_found`, `reservation_not_found`. */
export class NotFound extends DreamApiError {}

/** 409, e.g. `insufficient_credits` (see `creditsBalance`), `too_many_keys`, `api_key_not_active`. */
export class Conflict extends DreamApiError {
  /** what there is, for `insufficient_credits` */
  get creditsBalance(): number | undefined {
    return intField(this.body, "creditsBalance");
  }
}

const RESERVATION_FINISHED = new Set([
  "reservation_settled",
  "reservation_released",
  "reservation_expired",
]);

/** 409 `reservation_settled` (settled already, with other units), `reservation_released` or
 * `reservation_expired`: the reservation holds nothing any more and nothing changed. */
export class ReservationFinished extends Conflict {
  /** the reservation as it stands */
  readonly reservation: ReservationInfo | undefined;
  /** its status: `settled`, `released` or `expired` */
  readonly reservationStatus: string;

  constructor(details: ErrorDetails) {
    super(details);
    const shown = field(details.body, "reservation");
    this.reservation = shown !== null && typeof shown === "object" ? (shown as ReservationInfo) : undefined;
    this.reservationStatus = this.reservation?.status ?? details.code.replace(/^reservation_/, "");
  }
}

/** No answer arrived: a network error, a dropped connection or a timeout, on every attempt. */
export class ConnectionFailed extends DreamApiError {
  /** how many times the request was sent */
  readonly attempts: number;
  /** whether the last attempt ran out of time (`timeoutMs`) */
  readonly timedOut: boolean;

  constructor(message: string, attempts: number, timedOut: boolean, cause: unknown) {
    super({ status: 0, code: "connection_failed", message, body: undefined, cause });
    this.attempts = attempts;
    this.timedOut = timedOut;
  }
}

/** The error class for an answer. */
export function errorFromAnswer(status: number, body: unknown, headers: Headers): DreamApiError {
  const error = field(body, "error");
  const code = typeof error === "string" ? error : `http_${status}`;
  const text = field(body, "message");
  const message =
    typeof text === "string" ? text : typeof body === "string" && body ? body.slice(0, 200) : `HTTP ${status}`;
  const details: ErrorDetails = {
    status,
    code,
    message,
    body,
    headers,
    requestId: headers.get("x-request-id") ?? undefined,
  };
  if (status === 403 && code === "Tier limit reached") return new QuotaExceeded(details);
  if (status === 429) return new RateLimited(details);
  if (status === 401 && (code === "invalid_api_key" || code === "expired_api_key")) {
    return new InvalidApiKey(details);
  }
  if (status === 503 && code === "meter_unavailable") return new MeterUnavailable(details);
  if (status === 502 || status === 503) return new ServiceUnavailable(details);
  if (status === 400 || status === 413 || status === 422) return new BadRequest(details);
  if (status === 404) return new NotFound(details);
  if (status === 409 && RESERVATION_FINISHED.has(code)) return new ReservationFinished(details);
  if (status === 409) return new Conflict(details);
  return new DreamApiError(details);
}
