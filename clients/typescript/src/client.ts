import {
  ConnectionFailed,
  type DreamApiError,
  type RateLimitInfo,
  RateLimited,
  ServiceUnavailable,
  errorFromAnswer,
  rateLimitInfo,
} from "./errors.js";
import { Reservation, holding } from "./reservation.js";
import type {
  ApiPath,
  CreateKeyRequest,
  CreatedKey,
  CreditStatement,
  CreditsResponse,
  GrantCreditsRequest,
  GrantCreditsResponse,
  KeyList,
  MeterRequest,
  MeterResponse,
  ReserveRequest,
  ReservedResponse,
  RevokedKey,
  RollKeyRequest,
  RolledKey,
  TiersResponse,
  UsageResponse,
} from "./types.js";

export type FetchFunction = typeof globalThis.fetch;

export interface DreamApiOptions {
  /** Your platform's API key (`dream_live_…`). Default: the DREAMAPI_API_KEY environment variable
   * (where there is a `process.env`). */
  apiKey?: string;
  /** api_multi's URL, e.g. `https://dream-api-multi-production.<you>.workers.dev`. Default: the
   * DREAMAPI_BASE_URL environment variable, else `http://127.0.0.1:8787` (`make dev`). */
  baseUrl?: string;
  /** Time allowed for each attempt, in milliseconds. Default 10,000. */
  timeoutMs?: number;
  /** Attempts after the first one, for errors a retry can cure. Default 2. */
  maxRetries?: number;
  /** A 429 or 502/503 answer is retried only when its Retry-After is at most this many seconds;
   * a longer wait is the caller's decision (the error says how long). Default 2. */
  maxRetryAfterSeconds?: number;
  /** First backoff delay in milliseconds (doubled on each retry, with jitter). Default 250. */
  retryBaseDelayMs?: number;
  /** A fetch implementation; default `globalThis.fetch`. */
  fetch?: FetchFunction;
}

export interface MeterOptions {
  /** What the call costs (1..1,000,000). Default 1. */
  units?: number;
  /** One of your tier names (X-User-Plan); default: the user's subscription, else your default tier. */
  plan?: string;
  /** Makes the call count once however often it is sent (24 h). Default: one generated for this
   * call (`sdk_…`) and reused on each of its retries. */
  idempotencyKey?: string;
  /** Cancels the call. */
  signal?: AbortSignal;
}

export interface RequestOptions {
  signal?: AbortSignal;
}

export interface ReserveOptions {
  /** The most the work may cost (1..1,000,000): held until settled, released or expired. */
  units: number;
  /** How long the hold lasts unless settled or released, 1..86,400 seconds. Default 300. */
  ttlSeconds?: number;
  /** One of your tier names (X-User-Plan), sent again with the settle and the release. */
  plan?: string;
  /** Makes the reserve hold once however often it is sent (24 h). Default: one generated for this
   * call (`sdk_…`) and reused on each of its retries. */
  idempotencyKey?: string;
  /** Cancels the reserve. */
  signal?: AbortSignal;
}

export interface UsageOptions extends RequestOptions {
  /** X-User-Plan: the usage as counted against this tier. */
  plan?: string;
}

export interface GrantCreditsOptions extends RequestOptions {
  /** up to 200 characters, shown in the ledger */
  reason?: string;
  /** Makes the grant happen once however often it is sent. Default: one generated for this call
   * and reused on each of its retries. */
  idempotencyKey?: string;
}

export interface CreateKeyOptions extends RequestOptions {
  /** one per server or environment, 1-64 characters */
  name: string;
  /** an ISO 8601 time with a zone, in the future, or a Date */
  expiresAt?: string | Date;
}

export interface RollKeyOptions extends RequestOptions {
  /** how long the old key keeps working, 0..86400 seconds. Default 0. */
  gracePeriodSeconds?: number;
}

/** What the answer's headers said about a metered call. */
export interface MeterInfo {
  /** the Idempotency-Key the call was sent with (yours or the generated one) */
  idempotencyKey: string;
  /** true when the answer is the one recorded for this key earlier (nothing counted this time) */
  replayed: boolean;
  /** the end user's per-minute window (X-RateLimit-*) */
  rateLimit: RateLimitInfo | undefined;
  /** X-Request-Id */
  requestId: string | undefined;
}

/** `meter()`'s result: the answer's JSON and what its headers said. */
export type Metered = MeterResponse & MeterInfo;

/** How a request may be retried. `idempotent`: network errors, 502/503 and short 429s (GETs,
 * DELETEs, and POSTs with an Idempotency-Key). `unsafe`: short 429s only, since the server may
 * have acted on a request whose answer was lost (creating or rolling a key). */
type RetryPolicy = "idempotent" | "unsafe";

/** One API call as every attempt sends it (internal: what `Reservation` sends through). */
export interface Call {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** a path of the OpenAPI document, `{name}` placeholders filled from `params` */
  path: ApiPath;
  params?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  auth?: boolean;
  retry: RetryPolicy;
  signal?: AbortSignal | undefined;
}

export interface Answer<T> {
  data: T;
  headers: Headers;
}

const DEFAULT_BASE_URL = "http://127.0.0.1:8787";
const MAX_BACKOFF_MS = 8_000;

/** Who the call is for: the end user, and the plan your server vouches for (when given). */
export function userHeaders(userId: string, plan: string | undefined): Record<string, string> {
  return plan === undefined ? { "x-user-id": userId } : { "x-user-id": userId, "x-user-plan": plan };
}

function environment(name: string): string | undefined {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  const value = env?.[name];
  return value ? value : undefined;
}

/** crypto.randomUUID, also on Node 18 (no global `crypto` there without a flag). */
async function randomUUID(): Promise<string> {
  const webCrypto = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (webCrypto?.randomUUID) return webCrypto.randomUUID();
  const specifier = "node:crypto"; // a variable, so that bundlers for other runtimes leave it alone
  const nodeCrypto = (await import(specifier)) as { randomUUID: () => string };
  return nodeCrypto.randomUUID();
}

/** An Idempotency-Key for one call: `sdk_` + a random UUID. */
export async function newIdempotencyKey(): Promise<string> {
  return `sdk_${await randomUUID()}`;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function parseBody(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The dream-api client: meters your end users' calls on api_multi (or reserves units and settles
 * what the work cost) and reads their usage, credits and your API keys. fetch-based, no
 * dependencies: Node 18+, Deno, Bun, Cloudflare Workers.
 */
export class DreamApi {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly maxRetryAfterSeconds: number;
  readonly retryBaseDelayMs: number;
  readonly #apiKey: string;
  readonly #fetch: FetchFunction;

  constructor(options: DreamApiOptions = {}) {
    const apiKey = options.apiKey ?? environment("DREAMAPI_API_KEY");
    if (!apiKey) throw new TypeError("DreamApi: apiKey is required (or set DREAMAPI_API_KEY)");
    this.#apiKey = apiKey;
    this.baseUrl = (options.baseUrl ?? environment("DREAMAPI_BASE_URL") ?? DEFAULT_BASE_URL).replace(
      /\/+$/,
      "",
    );
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxRetries = Math.max(0, Math.floor(options.maxRetries ?? 2));
    this.maxRetryAfterSeconds = options.maxRetryAfterSeconds ?? 2;
    this.retryBaseDelayMs = options.retryBaseDelayMs ?? 250;
    const fetchFunction = options.fetch ?? globalThis.fetch;
    if (typeof fetchFunction !== "function") throw new TypeError("DreamApi: no fetch; pass options.fetch");
    // unbound, `fetch` throws "Illegal invocation" in browsers and Workers
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /**
   * Counts one call of an end user (`POST /api/data`): `units` against their tier's monthly limit,
   * then their prepaid credits; the call against their per-minute rate. Throws `QuotaExceeded`
   * (403), `RateLimited` (429), `MeterUnavailable` (503, not counted), `InvalidApiKey`, … Retries
   * (network errors, 502/503, short 429s) reuse one Idempotency-Key, so the call counts once.
   */
  async meter(userId: string, options: MeterOptions = {}): Promise<Metered> {
    const idempotencyKey = options.idempotencyKey ?? (await newIdempotencyKey());
    const units = options.units ?? 1;
    const headers = { ...userHeaders(userId, options.plan), "idempotency-key": idempotencyKey };
    const body: MeterRequest | undefined = units === 1 ? undefined : { units };
    const answer = await this.#call<MeterResponse>({
      method: "POST",
      path: "/api/data",
      headers,
      body,
      retry: "idempotent",
      signal: options.signal,
    });
    return {
      ...answer.data,
      idempotencyKey,
      replayed: answer.headers.get("idempotent-replayed") === "true",
      rateLimit: rateLimitInfo(answer.headers),
      requestId: answer.headers.get("x-request-id") ?? undefined,
    };
  }

  /**
   * Holds `units` of an end user for work whose cost is known only afterwards
   * (`POST /api/reservations`; counts one call against their rate): then `settle()` what it cost,
   * or `release()` it; see `withReservation()`. Throws `QuotaExceeded` (403, with `held` and
   * `available`: nothing held), `RateLimited`, `MeterUnavailable`, `BadRequest`, … Retries reuse
   * one Idempotency-Key, so they hold once.
   */
  async reserve(userId: string, options: ReserveOptions): Promise<Reservation> {
    const idempotencyKey = options.idempotencyKey ?? (await newIdempotencyKey());
    const headers = { ...userHeaders(userId, options.plan), "idempotency-key": idempotencyKey };
    const body: ReserveRequest = { units: options.units };
    if (options.ttlSeconds !== undefined) body.ttlSeconds = options.ttlSeconds;
    const answer = await this.#call<ReservedResponse>({
      method: "POST",
      path: "/api/reservations",
      headers,
      body,
      retry: "idempotent",
      signal: options.signal,
    });
    const send = <T>(call: Call) => this.#call<T>(call);
    return new Reservation(send, { userId, plan: options.plan, idempotencyKey }, answer);
  }

  /**
   * `reserve()`, then `work(reservation)`, which should `settle()` it: released when `work` throws
   * (its error is the one thrown, even when the release fails) or returns without settling.
   * Resolves to what `work` returned.
   */
  async withReservation<T>(
    userId: string,
    options: ReserveOptions,
    work: (reservation: Reservation) => Promise<T>,
  ): Promise<T> {
    return holding(await this.reserve(userId, options), work);
  }

  /** An end user's usage this month, exact, counting nothing (`GET /api/usage`). */
  async usage(userId: string, options: UsageOptions = {}): Promise<UsageResponse> {
    const headers = userHeaders(userId, options.plan);
    const answer = await this.#call<UsageResponse>({
      method: "GET",
      path: "/api/usage",
      headers,
      retry: "idempotent",
      signal: options.signal,
    });
    return answer.data;
  }

  /** A platform's public tiers (`GET /api/tiers`); sent without your API key. */
  async tiers(platformId: string, options: RequestOptions = {}): Promise<TiersResponse> {
    const answer = await this.#call<TiersResponse>({
      method: "GET",
      path: "/api/tiers",
      query: { platformId },
      auth: false,
      retry: "idempotent",
      signal: options.signal,
    });
    return answer.data;
  }

  /** An end user's prepaid credit balance, in units (`GET /api/credits`). */
  async credits(userId: string, options: RequestOptions = {}): Promise<CreditsResponse> {
    const answer = await this.#call<CreditsResponse>({
      method: "GET",
      path: "/api/credits",
      headers: { "x-user-id": userId },
      retry: "idempotent",
      signal: options.signal,
    });
    return answer.data;
  }

  /**
   * Grants (units > 0) or removes (units < 0) an end user's credits
   * (`POST /api/developer/users/{userId}/credits`). A removal beyond the balance is `Conflict`
   * `insufficient_credits`. Sent with an Idempotency-Key (yours or a generated one), so a retry
   * never grants twice.
   */
  async grantCredits(
    userId: string,
    units: number,
    options: GrantCreditsOptions = {},
  ): Promise<GrantCreditsResponse> {
    const body: GrantCreditsRequest = { units };
    if (options.reason !== undefined) body.reason = options.reason;
    const answer = await this.#call<GrantCreditsResponse>({
      method: "POST",
      path: "/api/developer/users/{userId}/credits",
      params: { userId },
      headers: { "idempotency-key": options.idempotencyKey ?? (await newIdempotencyKey()) },
      body,
      retry: "idempotent",
      signal: options.signal,
    });
    return answer.data;
  }

  /** An end user's balance and latest 50 ledger entries, newest first. */
  async creditStatement(userId: string, options: RequestOptions = {}): Promise<CreditStatement> {
    const answer = await this.#call<CreditStatement>({
      method: "GET",
      path: "/api/developer/users/{userId}/credits",
      params: { userId },
      retry: "idempotent",
      signal: options.signal,
    });
    return answer.data;
  }

  /** Every API key of your platform, newest first (never the keys themselves). */
  async listKeys(options: RequestOptions = {}): Promise<KeyList> {
    const answer = await this.#call<KeyList>({
      method: "GET",
      path: "/api/developer/keys",
      retry: "idempotent",
      signal: options.signal,
    });
    return answer.data;
  }

  /** A new API key (`apiKey`, shown this once). Not retried after a network error: the key may
   * have been made. */
  async createKey(options: CreateKeyOptions): Promise<CreatedKey> {
    const body: CreateKeyRequest = { name: options.name };
    if (options.expiresAt !== undefined) {
      body.expiresAt =
        options.expiresAt instanceof Date ? options.expiresAt.toISOString() : options.expiresAt;
    }
    const answer = await this.#call<CreatedKey>({
      method: "POST",
      path: "/api/developer/keys",
      body,
      retry: "unsafe",
      signal: options.signal,
    });
    return answer.data;
  }

  /** Replaces a key by a new one of the same name and expiry (shown once); the old one works
   * until `previousKey.expiresAt`. Not retried after a network error. */
  async rollKey(keyId: string, options: RollKeyOptions = {}): Promise<RolledKey> {
    const body: RollKeyRequest = {};
    if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
    const answer = await this.#call<RolledKey>({
      method: "POST",
      path: "/api/developer/keys/{keyId}/roll",
      params: { keyId },
      body,
      retry: "unsafe",
      signal: options.signal,
    });
    return answer.data;
  }

  /** Revokes a key (again: the same answer). */
  async revokeKey(keyId: string, options: RequestOptions = {}): Promise<RevokedKey> {
    const answer = await this.#call<RevokedKey>({
      method: "DELETE",
      path: "/api/developer/keys/{keyId}",
      params: { keyId },
      retry: "idempotent",
      signal: options.signal,
    });
    return answer.data;
  }

  #url(call: Call): string {
    const path = call.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = call.params?.[name];
      if (value === undefined) throw new TypeError(`DreamApi: missing path parameter ${name}`);
      return encodeURIComponent(value);
    });
    const query = call.query ? `?${new URLSearchParams(call.query).toString()}` : "";
    return `${this.baseUrl}${path}${query}`;
  }

  #backoffMs(attempt: number): number {
    const ceiling = Math.min(MAX_BACKOFF_MS, this.retryBaseDelayMs * 2 ** attempt);
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  /** How long to wait before trying an answered request again, or undefined: do not retry. */
  #retryDelayMs(error: DreamApiError, policy: RetryPolicy, attempt: number): number | undefined {
    let retryAfter: number | undefined;
    if (error instanceof RateLimited) retryAfter = error.retryAfter;
    else if (error instanceof ServiceUnavailable && policy === "idempotent") retryAfter = error.retryAfter;
    else return undefined;
    if (retryAfter > this.maxRetryAfterSeconds) return undefined;
    // at least Retry-After, plus jitter so that many clients do not come back at the same moment
    return Math.max(retryAfter * 1000, this.#backoffMs(attempt)) + Math.random() * this.retryBaseDelayMs;
  }

  async #call<T>(call: Call): Promise<Answer<T>> {
    const url = this.#url(call);
    const headers: Record<string, string> = { accept: "application/json", ...call.headers };
    if (call.auth !== false) headers.authorization = `Bearer ${this.#apiKey}`;
    let payload: string | undefined;
    if (call.body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(call.body);
    }
    for (let attempt = 0; ; attempt++) {
      const timeout = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        timeout.abort(new Error(`DreamApi: no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const forward = () => timeout.abort(call.signal?.reason);
      call.signal?.addEventListener("abort", forward, { once: true });
      let status: number;
      let responseHeaders: Headers;
      let text: string;
      try {
        if (call.signal?.aborted) throw call.signal.reason;
        const response = await this.#fetch(url, {
          method: call.method,
          headers,
          body: payload,
          signal: timeout.signal,
        });
        status = response.status;
        responseHeaders = response.headers;
        text = await response.text();
      } catch (error) {
        if (call.signal?.aborted) throw call.signal.reason;
        if (call.retry === "idempotent" && attempt < this.maxRetries) {
          await sleep(this.#backoffMs(attempt), call.signal);
          continue;
        }
        const why = timedOut ? `no answer within ${this.timeoutMs} ms` : String(error);
        throw new ConnectionFailed(
          `${call.method} ${call.path} failed after ${attempt + 1} attempt(s): ${why}`,
          attempt + 1,
          timedOut,
          error,
        );
      } finally {
        clearTimeout(timer);
        call.signal?.removeEventListener("abort", forward);
      }
      const body = parseBody(text);
      if (status >= 200 && status < 300) return { data: body as T, headers: responseHeaders };
      const error = errorFromAnswer(status, body, responseHeaders);
      const delay = attempt < this.maxRetries ? this.#retryDelayMs(error, call.retry, attempt) : undefined;
      if (delay === undefined) throw error;
      await sleep(delay, call.signal);
    }
  }
}
