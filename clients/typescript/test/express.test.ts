/** The Express middleware in a real Express app on a free port, metering against api_multi. */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";

import { DreamApi, type DreamApiError } from "@dream-api/client";
import { type Metered, metered } from "@dream-api/client/express";
import express, { type NextFunction, type Request, type Response } from "express";

import { BASE_URL, BURST_RATE, FREE_LIMIT, client, newUser } from "./helpers.js";

function app(api: DreamApi) {
  const application = express();
  application.post(
    "/generate",
    metered(api, {
      userId: (req) => req.header("x-end-user"),
      plan: (req) => req.header("x-plan"),
      units: (req) => Number(req.header("x-units") ?? 1),
    }),
    (_req, res) => {
      const usage = (res.locals.dreamApi as Metered).usage;
      res.json({ text: "generated", count: usage.count, remaining: usage.remaining });
    },
  );
  application.use((error: DreamApiError, _req: Request, res: Response, _next: NextFunction) => {
    res.status(502).json({ error: "metering_failed", code: error.code });
  });
  return application;
}

let server: ReturnType<ReturnType<typeof express>["listen"]>;
let badKeyServer: typeof server;
let url: string;
let badKeyUrl: string;

async function listen(application: ReturnType<typeof express>): Promise<[typeof server, string]> {
  const listening = await new Promise<typeof server>((resolve) => {
    const started = application.listen(0, "127.0.0.1", () => resolve(started));
  });
  return [listening, `http://127.0.0.1:${(listening.address() as AddressInfo).port}`];
}

before(async () => {
  [server, url] = await listen(app(client()));
  const badKey = new DreamApi({ apiKey: `dream_live_${"B".repeat(36)}`, baseUrl: BASE_URL });
  [badKeyServer, badKeyUrl] = await listen(app(badKey));
});

after(() => {
  server.close();
  badKeyServer.close();
});

function call(base: string, headers: Record<string, string>) {
  return fetch(`${base}/generate`, { method: "POST", headers });
}

test("meters each request, then answers our 403 body past the month's limit", async () => {
  const user = newUser();
  for (let n = 1; n <= FREE_LIMIT; n++) {
    const reply = await call(url, { "x-end-user": user });
    assert.equal(reply.status, 200);
    assert.deepEqual(await reply.json(), { text: "generated", count: n, remaining: FREE_LIMIT - n });
    assert.equal(reply.headers.get("x-ratelimit-limit"), "100");
  }
  const refused = await call(url, { "x-end-user": user });
  assert.equal(refused.status, 403);
  assert.match(refused.headers.get("content-type") ?? "", /application\/json/);
  assert.deepEqual(await refused.json(), {
    error: "Tier limit reached",
    message: "Please upgrade to unlock more requests",
    count: FREE_LIMIT,
    limit: FREE_LIMIT,
    plan: "free",
    creditsBalance: 0,
  });
  assert.equal((await client().usage(user)).usage.count, FREE_LIMIT);
});

test("units from the request", async () => {
  const user = newUser();
  const reply = await call(url, { "x-end-user": user, "x-plan": "big", "x-units": "40" });
  assert.equal(reply.status, 200);
  assert.equal(((await reply.json()) as { count: number }).count, 40);
});

test("a burst past the per-minute rate: 429 with Retry-After and X-RateLimit-*", async () => {
  const user = newUser();
  let refused: globalThis.Response | undefined;
  for (let n = 0; n < 3 * BURST_RATE && !refused; n++) {
    const reply = await call(url, { "x-end-user": user, "x-plan": "burst" });
    if (reply.status === 429) refused = reply;
    else assert.equal(reply.status, 200);
  }
  assert.ok(refused, "no request was refused for the rate");
  const retryAfter = Number(refused.headers.get("retry-after"));
  assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  assert.equal(refused.headers.get("x-ratelimit-limit"), String(BURST_RATE));
  assert.equal(refused.headers.get("x-ratelimit-remaining"), "0");
  assert.ok(Number(refused.headers.get("x-ratelimit-reset")) > 0);
  const body = (await refused.json()) as { error: string; retryAfter: number };
  assert.equal(body.error, "rate_limited");
});

test("no end user: 401; a wrong API key reaches the app's error handler", async () => {
  const anonymous = await call(url, {});
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { error: string }).error, "unauthorized");
  const misconfigured = await call(badKeyUrl, { "x-end-user": newUser() });
  assert.equal(misconfigured.status, 502);
  assert.deepEqual(await misconfigured.json(), { error: "metering_failed", code: "invalid_api_key" });
});
