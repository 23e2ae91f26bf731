/** Retries: a dropped connection after the platform counted the call is retried with the same
 * Idempotency-Key and counts once; no answer at all ends in ConnectionFailed; timeouts. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { ConnectionFailed, DreamApi, type FetchFunction } from "@dream-api/client";

import { API_KEY, BASE_URL, client, closedPort, droppingProxy, newUser, silentServer } from "./helpers.js";

/** fetch, recording the Idempotency-Key of every attempt */
function recordingFetch(keys: (string | undefined)[]): FetchFunction {
  return (input, init) => {
    keys.push((init?.headers as Record<string, string> | undefined)?.["idempotency-key"]);
    return fetch(input, init);
  };
}

test("a retry after a dropped connection reuses the Idempotency-Key and counts once", async () => {
  const proxy = await droppingProxy(BASE_URL);
  try {
    const user = newUser();
    const direct = client();
    const before = await direct.usage(user, { plan: "big" });
    assert.equal(before.usage.count, 0);
    const keys: (string | undefined)[] = [];
    const viaProxy = new DreamApi({
      apiKey: API_KEY,
      baseUrl: proxy.url,
      fetch: recordingFetch(keys),
      retryBaseDelayMs: 50,
    });
    const metered = await viaProxy.meter(user, { units: 7, plan: "big" });
    assert.ok(proxy.dropped(), "the proxy did not drop the first answer");
    assert.equal(keys.length, 2, "one attempt, one retry");
    assert.equal(keys[0], keys[1]);
    assert.match(keys[0] ?? "", /^sdk_/);
    assert.equal(metered.idempotencyKey, keys[0]);
    assert.equal(metered.replayed, true, "the retry got the first answer back, replayed");
    assert.equal(metered.usage.count, 7);
    const after = await direct.usage(user, { plan: "big" });
    assert.equal(after.usage.count, before.usage.count + 7, "counted exactly once");
  } finally {
    await proxy.close();
  }
});

test("grantCredits is retried with one Idempotency-Key too: granted once", async () => {
  const proxy = await droppingProxy(BASE_URL);
  try {
    const user = newUser();
    const viaProxy = new DreamApi({ apiKey: API_KEY, baseUrl: proxy.url, retryBaseDelayMs: 50 });
    const granted = await viaProxy.grantCredits(user, 40, { reason: "retried" });
    assert.ok(proxy.dropped());
    assert.equal(granted.balance, 40);
    assert.equal((await client().credits(user)).balance, 40);
  } finally {
    await proxy.close();
  }
});

test("createKey is not retried after a dropped connection (the key may exist)", async () => {
  const proxy = await droppingProxy(BASE_URL);
  try {
    const name = `lost-answer-${newUser()}`;
    const viaProxy = new DreamApi({ apiKey: API_KEY, baseUrl: proxy.url, retryBaseDelayMs: 50 });
    await assert.rejects(viaProxy.createKey({ name }), (error: unknown) => {
      assert.ok(error instanceof ConnectionFailed, String(error));
      assert.equal(error.attempts, 1);
      return true;
    });
    const keys = await client().listKeys();
    const made = keys.keys.filter((key) => key.name === name && key.revokedAt === null);
    assert.equal(made.length, 1, "the server made it once; the client did not send it again");
    if (made[0]) await client().revokeKey(made[0].id);
  } finally {
    await proxy.close();
  }
});

test("no server: ConnectionFailed after maxRetries + 1 attempts", async () => {
  const port = await closedPort();
  const keys: (string | undefined)[] = [];
  const api = new DreamApi({
    apiKey: API_KEY,
    baseUrl: `http://127.0.0.1:${port}`,
    maxRetries: 2,
    retryBaseDelayMs: 10,
    fetch: recordingFetch(keys),
  });
  await assert.rejects(api.meter(newUser()), (error: unknown) => {
    assert.ok(error instanceof ConnectionFailed, String(error));
    assert.equal(error.status, 0);
    assert.equal(error.code, "connection_failed");
    assert.equal(error.attempts, 3);
    assert.equal(error.timedOut, false);
    return true;
  });
  assert.equal(keys.length, 3);
  assert.equal(new Set(keys).size, 1, "one Idempotency-Key for every attempt");
});

test("a server that never answers: each attempt times out (timeoutMs)", async () => {
  const server = await silentServer();
  try {
    const api = new DreamApi({ apiKey: API_KEY, baseUrl: server.url, timeoutMs: 200, maxRetries: 1 });
    const started = Date.now();
    await assert.rejects(api.usage(newUser()), (error: unknown) => {
      assert.ok(error instanceof ConnectionFailed, String(error));
      assert.equal(error.timedOut, true);
      assert.equal(error.attempts, 2);
      return true;
    });
    assert.ok(Date.now() - started < 3000);
  } finally {
    await server.close();
  }
});

test("a caller's AbortSignal cancels without retrying", async () => {
  const server = await silentServer();
  try {
    const api = new DreamApi({ apiKey: API_KEY, baseUrl: server.url, timeoutMs: 5000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("cancelled by the caller")), 100);
    await assert.rejects(api.meter(newUser(), { signal: controller.signal }), /cancelled by the caller/);
  } finally {
    await server.close();
  }
});
