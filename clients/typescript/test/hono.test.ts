/** The Hono middleware in a Hono app (app.request), metering against api_multi. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { DreamApi, DreamApiError } from "@dream-api/client";
import { type DreamApiVariables, metered } from "@dream-api/client/hono";
import { Hono } from "hono";

import { BASE_URL, BURST_RATE, FREE_LIMIT, client, newUser } from "./helpers.js";

function app(api: DreamApi) {
  const application = new Hono<{ Variables: DreamApiVariables }>();
  application.use(
    "/api/*",
    metered(api, {
      userId: (c) => c.req.header("x-end-user"),
      plan: (c) => c.req.header("x-plan"),
      units: (c) => Number(c.req.header("x-units") ?? 1),
    }),
  );
  application.post("/api/generate", (c) => {
    const { usage } = c.get("dreamApi");
    return c.json({ text: "generated", count: usage.count, remaining: usage.remaining });
  });
  application.onError((error, c) =>
    c.json({ error: "metering_failed", code: error instanceof DreamApiError ? error.code : "?" }, 502),
  );
  return application;
}

const application = app(client());

function call(headers: Record<string, string>, target = application) {
  return target.request("/api/generate", { method: "POST", headers });
}

test("meters each request, then answers our 403 body past the month's limit", async () => {
  const user = newUser();
  for (let n = 1; n <= FREE_LIMIT; n++) {
    const reply = await call({ "x-end-user": user });
    assert.equal(reply.status, 200);
    assert.deepEqual(await reply.json(), { text: "generated", count: n, remaining: FREE_LIMIT - n });
    assert.equal(reply.headers.get("x-ratelimit-limit"), "100");
  }
  const refused = await call({ "x-end-user": user });
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
});

test("units from the request", async () => {
  const reply = await call({ "x-end-user": newUser(), "x-plan": "big", "x-units": "12" });
  assert.equal(reply.status, 200);
  assert.equal(((await reply.json()) as { count: number }).count, 12);
});

test("a burst past the per-minute rate: 429 with Retry-After and X-RateLimit-*", async () => {
  const user = newUser();
  let refused: Response | undefined;
  for (let n = 0; n < 3 * BURST_RATE && !refused; n++) {
    const reply = await call({ "x-end-user": user, "x-plan": "burst" });
    if (reply.status === 429) refused = reply;
    else assert.equal(reply.status, 200);
  }
  assert.ok(refused, "no request was refused for the rate");
  const retryAfter = Number(refused.headers.get("retry-after"));
  assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
  assert.equal(refused.headers.get("x-ratelimit-limit"), String(BURST_RATE));
  assert.equal(refused.headers.get("x-ratelimit-remaining"), "0");
  assert.equal(((await refused.json()) as { error: string }).error, "rate_limited");
});

test("no end user: 401; a wrong API key reaches app.onError", async () => {
  const anonymous = await call({});
  assert.equal(anonymous.status, 401);
  assert.equal(((await anonymous.json()) as { error: string }).error, "unauthorized");
  const badKey = app(new DreamApi({ apiKey: `dream_live_${"C".repeat(36)}`, baseUrl: BASE_URL }));
  const misconfigured = await call({ "x-end-user": newUser() }, badKey);
  assert.equal(misconfigured.status, 502);
  assert.deepEqual(await misconfigured.json(), { error: "metering_failed", code: "invalid_api_key" });
});
