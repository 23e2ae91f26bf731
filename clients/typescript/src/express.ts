/**
 * Express middleware: `app.use("/api", metered(client, { userId: (req) => req.user.id }))` meters
 * each request before your handler runs; over the quota or the rate it answers 403/429/503 with
 * dream-api's JSON body, Retry-After and X-RateLimit-* headers. The result is in
 * `res.locals.dreamApi`. Only types are imported from express: this module runs without it.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";

import type { DreamApi } from "./client.js";
import { type MeteredOptionsFor, meterRequest } from "./middleware.js";

export type { Metered } from "./client.js";

export type MeteredOptions = MeteredOptionsFor<Request>;

export function metered(client: DreamApi, options: MeteredOptions): RequestHandler {
  return (req: Request, res: Response, next: NextFunction): void => {
    meterRequest(client, options, req).then(
      (outcome) => {
        res.set(outcome.headers);
        if (outcome.ok) {
          res.locals.dreamApi = outcome.metered;
          next();
        } else {
          res.status(outcome.status).json(outcome.body);
        }
      },
      (error: unknown) => next(error),
    );
  };
}
