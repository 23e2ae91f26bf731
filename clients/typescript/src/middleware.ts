/** What the Express and Hono middlewares share: meter a request, or say how to refuse it. */
import type { DreamApi, Metered } from "./client.js";
import { QuotaExceeded, RateLimited, ServiceUnavailable } from "./errors.js";

type Awaitable<T> = T | Promise<T>;

/** The options of `metered()`; `R` is the framework's request (Express `req`, Hono `c`). */
export interface MeteredOptionsFor<R> {
  /** The end user's id in your system (1-128 of `A-Z a-z 0-9 _ . @ + -`); nothing: 401. */
  userId: (request: R) => Awaitable<string | null | undefined>;
  /** What the request costs: a number or a function of the request. Default 1. */
  units?: number | ((request: R) => Awaitable<number>);
  /** The tier to count against (X-User-Plan): a name or a function of the request. */
  plan?: string | ((request: R) => Awaitable<string | null | undefined>);
  /** An Idempotency-Key for the request, e.g. from your client's own header; default: one per
   * request, reused on the SDK's retries. */
  idempotencyKey?: (request: R) => Awaitable<string | null | undefined>;
}

export type Outcome =
  | { ok: true; metered: Metered; headers: Record<string, string> }
  | { ok: false; status: number; body: unknown; headers: Record<string, string> };

function rateHeaders(limit?: number, remaining?: number, reset?: number): Record<string, string> {
  if (limit === undefined || remaining === undefined || reset === undefined) return {};
  return {
    "X-RateLimit-Limit": String(limit),
    "X-RateLimit-Remaining": String(remaining),
    "X-RateLimit-Reset": String(reset),
  };
}

const NO_USER = {
  error: "unauthorized",
  message: "This request does not say which end user makes it",
};

/**
 * Meters one request. A refusal the end user should see (403 quota, 429 rate, 502/503 with
 * Retry-After) is returned with our JSON body and headers; any other error (a wrong API key, a
 * bad plan name, no connection) is thrown: it is the server's problem, not the end user's.
 */
export async function meterRequest<R>(
  client: DreamApi,
  options: MeteredOptionsFor<R>,
  request: R,
): Promise<Outcome> {
  const userId = await options.userId(request);
  if (!userId) return { ok: false, status: 401, body: NO_USER, headers: {} };
  const units = typeof options.units === "function" ? await options.units(request) : options.units;
  const plan = typeof options.plan === "function" ? await options.plan(request) : options.plan;
  const idempotencyKey = options.idempotencyKey ? await options.idempotencyKey(request) : undefined;
  try {
    const metered = await client.meter(userId, {
      ...(units === undefined ? {} : { units }),
      ...(plan ? { plan } : {}),
      ...(idempotencyKey ? { idempotencyKey } : {}),
    });
    const window = metered.rateLimit;
    return { ok: true, metered, headers: rateHeaders(window?.limit, window?.remaining, window?.reset) };
  } catch (error) {
    if (error instanceof QuotaExceeded) {
      return { ok: false, status: 403, body: error.body, headers: {} };
    }
    if (error instanceof RateLimited) {
      const headers = {
        "Retry-After": String(error.retryAfter),
        ...rateHeaders(error.limit, error.remaining, error.reset),
      };
      return { ok: false, status: 429, body: error.body, headers };
    }
    if (error instanceof ServiceUnavailable) {
      return { ok: false, status: 503, body: error.body, headers: { "Retry-After": String(error.retryAfter) } };
    }
    throw error;
  }
}
