/** The client against the real api_multi in workerd: metering, quota and rate refusals, usage,
 * tiers, credits, API keys, and the errors each answer becomes. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { describe, test } from "node:test";

import {
  BadRequest,
  Conflict,
  DreamApi,
  DreamApiError,
  InvalidApiKey,
  NotFound,
  QuotaExceeded,
  RateLimited,
} from "@dream-api/client";

import { API_KEY, BASE_URL, BURST_RATE, FREE_LIMIT, PLATFORM_ID, client, newUser } from "./helpers.js";

describe("meter", () => {
  test("counts each call until the month's limit, then throws QuotaExceeded", async () => {
    const api = client();
    const user = newUser();
    for (let call = 1; call <= FREE_LIMIT; call++) {
      const metered = await api.meter(user);
      assert.equal(metered.success, true);
      assert.equal(metered.usage.count, call);
      assert.equal(metered.usage.limit, FREE_LIMIT);
      assert.equal(metered.usage.plan, "free");
      assert.equal(metered.usage.remaining, FREE_LIMIT - call);
      assert.equal(metered.replayed, false);
      assert.match(metered.idempotencyKey, /^sdk_[0-9a-f-]{36}$/);
      assert.ok(metered.rateLimit && metered.rateLimit.limit === 100);
    }
    const refused = await api.meter(user).then(
      () => assert.fail("the call past the limit was counted"),
      (error: unknown) => error,
    );
    assert.ok(refused instanceof QuotaExceeded, String(refused));
    assert.ok(refused instanceof DreamApiError);
    assert.equal(refused.status, 403);
    assert.equal(refused.code, "Tier limit reached");
    assert.equal(refused.message, "Please upgrade to unlock more requests");
    assert.equal(refused.count, FREE_LIMIT);
    assert.equal(refused.limit, FREE_LIMIT);
    assert.equal(refused.plan, "free");
    assert.equal(refused.creditsBalance, 0);
    assert.deepEqual(
      { error: (refused.body as { error: string }).error, count: (refused.body as { count: number }).count },
      { error: "Tier limit reached", count: FREE_LIMIT },
    );
    assert.ok(refused.requestId);
    const usage = await api.usage(user);
    assert.equal(usage.usage.count, FREE_LIMIT, "a refused call counts nothing");
  });

  test("units, a plan, and an Idempotency-Key that makes a repeat count nothing", async () => {
    const api = client();
    const user = newUser();
    const first = await api.meter(user, { units: 250, plan: "big", idempotencyKey: `order-${user}` });
    assert.equal(first.usage.count, 250);
    assert.equal(first.usage.units, 250);
    assert.equal(first.usage.plan, "big");
    assert.equal(first.replayed, false);
    const again = await api.meter(user, { units: 250, plan: "big", idempotencyKey: `order-${user}` });
    assert.equal(again.replayed, true);
    assert.deepEqual(again.usage, first.usage);
    const second = await api.meter(user, { plan: "big" });
    assert.equal(second.usage.count, 251);
    const usage = await api.usage(user, { plan: "big" });
    assert.equal(usage.usage.count, 251);
    assert.equal(usage.usage.plan, "big");
    assert.ok(usage.daily.some((day) => day.count === 251));
    assert.deepEqual(usage.subscription, { tier: null, status: "none" });
  });

  test("a burst past the per-minute rate throws RateLimited with Retry-After", async () => {
    const api = client({ maxRetries: 0 });
    const user = newUser();
    let limited: RateLimited | undefined;
    // a minute may turn during the burst: at most one fresh window before the refusal
    for (let call = 0; call < 3 * BURST_RATE && !limited; call++) {
      await api.meter(user, { plan: "burst" }).catch((error: unknown) => {
        if (!(error instanceof RateLimited)) throw error;
        limited = error;
      });
    }
    assert.ok(limited, "no call was refused for the rate");
    assert.equal(limited.status, 429);
    assert.equal(limited.code, "rate_limited");
    assert.ok(limited.retryAfter > 0 && limited.retryAfter <= 60, `retryAfter ${limited.retryAfter}`);
    assert.equal(limited.limit, BURST_RATE);
    assert.equal(limited.remaining, 0);
    assert.ok(limited.reset !== undefined && limited.reset > Date.now() / 1000 - 1);
  });

  test("a bad units value is BadRequest; an unknown plan too", async () => {
    const api = client();
    await assert.rejects(api.meter(newUser(), { units: 0 }), (error: unknown) => {
      assert.ok(error instanceof BadRequest);
      assert.equal(error.code, "invalid_units");
      return true;
    });
    await assert.rejects(api.meter(newUser(), { plan: "no-such-tier" }), (error: unknown) => {
      assert.ok(error instanceof BadRequest);
      assert.equal(error.code, "unknown_plan");
      return true;
    });
  });
});

describe("API keys and authentication", () => {
  test("an unknown or mistyped key is InvalidApiKey, on every call", async () => {
    const unknown = new DreamApi({ apiKey: `dream_live_${"A".repeat(36)}`, baseUrl: BASE_URL });
    await assert.rejects(unknown.meter(newUser()), (error: unknown) => {
      assert.ok(error instanceof InvalidApiKey, String(error));
      assert.equal(error.status, 401);
      assert.equal(error.code, "invalid_api_key");
      assert.equal(error.expired, false);
      return true;
    });
    await assert.rejects(unknown.usage(newUser()), InvalidApiKey);
    await assert.rejects(unknown.listKeys(), InvalidApiKey);
    const usage = await client().usage(newUser());
    assert.equal(usage.usage.count, 0);
  });

  test("create, list, roll and revoke keys", async () => {
    const api = client();
    const name = `sdk-${randomBytes(3).toString("hex")}`;
    const expiresAt = new Date(Date.now() + 30 * 86_400_000);
    const created = await api.createKey({ name, expiresAt });
    assert.match(created.apiKey, /^dream_live_[0-9A-Za-z]{36}$/);
    assert.match(created.id, /^key_[0-9a-f]{24}$/);
    assert.equal(created.name, name);
    assert.ok(Math.abs(Date.parse(created.expiresAt ?? "") - expiresAt.getTime()) < 1000, created.expiresAt ?? "");

    const withNewKey = new DreamApi({ apiKey: created.apiKey, baseUrl: BASE_URL });
    const listed = await withNewKey.listKeys();
    assert.equal(listed.platformId, PLATFORM_ID);
    assert.ok(listed.keys.some((key) => key.id === created.id && key.name === name));
    assert.ok(listed.keys.every((key) => !("apiKey" in key)));
    assert.equal((await withNewKey.meter(newUser())).usage.count, 1, "every key meters the platform");

    const rolled = await api.rollKey(created.id, { gracePeriodSeconds: 0 });
    assert.equal(rolled.rolledFrom, created.id);
    assert.equal(rolled.previousKey.id, created.id);
    assert.notEqual(rolled.apiKey, created.apiKey);
    // rolled with no grace period: refused at once (as revoked)
    await assert.rejects(withNewKey.listKeys(), (error: unknown) => {
      assert.ok(error instanceof InvalidApiKey, String(error));
      assert.equal(error.status, 401);
      assert.ok(["invalid_api_key", "expired_api_key"].includes(error.code), error.code);
      assert.equal(error.expired, error.code === "expired_api_key");
      return true;
    });
    await assert.rejects(api.rollKey(created.id), (error: unknown) => {
      assert.ok(error instanceof Conflict);
      assert.equal(error.code, "api_key_not_active");
      return true;
    });

    const revoked = await api.revokeKey(rolled.id);
    assert.equal(revoked.id, rolled.id);
    assert.ok(revoked.revokedAt);
    assert.deepEqual(await api.revokeKey(rolled.id), revoked, "revoking again: the same answer");
    await assert.rejects(
      new DreamApi({ apiKey: rolled.apiKey, baseUrl: BASE_URL }).usage(newUser()),
      InvalidApiKey,
    );
    await assert.rejects(api.revokeKey(`key_${"0".repeat(24)}`), (error: unknown) => {
      assert.ok(error instanceof NotFound);
      assert.equal(error.code, "api_key_not_found");
      return true;
    });
    await assert.rejects(api.createKey({ name: "past", expiresAt: "2001-01-01T00:00:00Z" }), BadRequest);
  });
});

describe("tiers and credits", () => {
  test("tiers: the platform's own; an unknown platform is NotFound", async () => {
    const tiers = await client().tiers(PLATFORM_ID);
    assert.equal(tiers.platformId, PLATFORM_ID);
    assert.equal(tiers.source, "custom");
    assert.deepEqual(
      tiers.tiers.map((tier) => [tier.name, tier.limit, tier.rateLimit, tier.default]),
      [
        ["free", FREE_LIMIT, 100, true],
        ["big", 1_000_000, 1000, false],
        ["burst", 1000, BURST_RATE, false],
      ],
    );
    await assert.rejects(client().tiers(`plt_${"0".repeat(20)}`), NotFound);
    await assert.rejects(client().tiers("nope"), BadRequest);
  });

  test("grant credits once per Idempotency-Key, spend them past the limit, read the statement", async () => {
    const api = client();
    const user = newUser();
    assert.equal((await api.credits(user)).balance, 0);
    const granted = await api.grantCredits(user, 10, { reason: "welcome", idempotencyKey: `welcome-${user}` });
    assert.equal(granted.balance, 10);
    assert.equal(granted.entry.kind, "grant");
    assert.equal(granted.entry.reason, "welcome");
    const again = await api.grantCredits(user, 10, { reason: "welcome", idempotencyKey: `welcome-${user}` });
    assert.deepEqual(again, granted, "the same key grants nothing more");
    assert.equal((await api.grantCredits(user, 5)).balance, 15);

    await assert.rejects(api.grantCredits(user, -100), (error: unknown) => {
      assert.ok(error instanceof Conflict);
      assert.equal(error.code, "insufficient_credits");
      assert.equal(error.creditsBalance, 15);
      return true;
    });

    // the month's 3 included units, then 4 paid by credits, then a call credits cannot cover
    const spent = await api.meter(user, { units: FREE_LIMIT + 4 });
    assert.equal(spent.usage.credits, 11);
    await assert.rejects(api.meter(user, { units: 12 }), (error: unknown) => {
      assert.ok(error instanceof QuotaExceeded);
      assert.equal(error.creditsBalance, 11);
      return true;
    });
    const balance = await api.credits(user);
    assert.deepEqual(balance, { platformId: PLATFORM_ID, userId: user, balance: 11 });
    const statement = await api.creditStatement(user);
    assert.equal(statement.balance, 11);
    assert.deepEqual(
      statement.entries.map((entry) => [entry.kind, entry.units]),
      [
        ["usage", -4],
        ["grant", 5],
        ["grant", 10],
      ],
    );
  });
});
