/**
 * Hono middleware: `app.use("/api/*", metered(client, { userId: (c) => c.req.header("x-user") }))`
 * meters each request before your handler runs; over the quota or the rate it answers 403/429/503
 * with dream-api's JSON body, Retry-After and X-RateLimit-* headers. The result is
 * `c.get("dreamApi")`. Only types are imported from hono: this module runs without it.
 */
import type { Context, Env, MiddlewareHandler } from "hono";

import type { DreamApi, Metered } from "./client.js";
import { type MeteredOptionsFor, meterRequest } from "./middleware.js";

export type { Metered } from "./client.js";

/** The variable the middleware sets: `c.get("dreamApi")`. */
export interface DreamApiVariables {
  dreamApi: Metered;
}

// `any`: the middleware fits apps of any Env
export type MeteredOptions<E extends Env = any> = MeteredOptionsFor<Context<E>>;

export function metered<E extends Env = any>(
  client: DreamApi,
  options: MeteredOptions<E>,
): MiddlewareHandler<E & { Variables: DreamApiVariables }> {
  return async (c, next) => {
    const outcome = await meterRequest(client, options, c as unknown as Context<E>);
    for (const [name, value] of Object.entries(outcome.headers)) c.header(name, value);
    if (!outcome.ok) {
      return c.body(JSON.stringify(outcome.body), outcome.status as 401, {
        "Content-Type": "application/json",
      });
    }
    c.set("dreamApi", outcome.metered);
    await next();
    return undefined;
  };
}
