/** Reservations against the real api_multi in workerd: reserve, then settle what the work cost
 * (once, however often it is sent), release, expiry, `withReservation` releasing when the work
 * throws or never settles, a refusal with what is held, and retries that hold and settle once. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import {
  ConnectionFailed,
  DreamApi,
  type FetchFunction,
  QuotaExceeded,
  Reservation,
  ReservationFinished,
} from "@dream-api/client";

import { API_KEY, BASE_URL, FREE_LIMIT, client, droppingProxy, newUser } from "./helpers.js";

/** the end user's units held by open reservations and counted this month */
async function heldAndCounted(user: string, plan: string | undefined = "big"): Promise<[number, number]> {
  const { usage } = await client().usage(user, plan === undefined ? {} : { plan });
  return [usage.held ?? -1, usage.count];
}

/** What rejects with `error`, returned for a closer look. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail("it did not reject"),
    (error: unknown) => error,
  );
}

describe("reserve, then settle", () => {
  test("a settle counts what the work cost once and frees the rest", async () => {
    const api = client();
    const user = newUser();
    const held = await api.reserve(user, { units: 500, plan: "big", ttlSeconds: 120 });
    assert.ok(held instanceof Reservation);
    assert.match(held.id, /^rsv_[0-9a-f]{24}$/);
    assert.equal(held.status, "held");
    assert.equal(held.units, 500);
    assert.equal(held.usage.held, 500);
    assert.equal(held.reserved.userId, user);
    assert.match(held.idempotencyKey, /^sdk_/);
    assert.equal(held.replayed, false);
    assert.equal(held.rateLimit?.limit, 1000);
    const seconds = (Date.parse(held.expiresAt) - Date.now()) / 1000;
    assert.ok(seconds > 100 && seconds <= 121, `expires in ${seconds} s`);
    assert.deepEqual(await heldAndCounted(user), [500, 0]);

    const settled = await held.settle(137); // with the plan it was reserved against
    assert.deepEqual(
      [settled.status, settled.units, settled.reservedUnits, settled.shortfall],
      ["settled", 137, 500, 0],
    );
    assert.deepEqual([settled.usage.count, settled.usage.held, settled.usage.plan], [137, 0, "big"]);
    assert.equal(held.status, "settled");
    assert.deepEqual(await held.settle(137), settled, "the same units again: the same answer");

    const other = await rejection(held.settle(138));
    assert.ok(other instanceof ReservationFinished, String(other));
    assert.equal(other.status, 409);
    assert.equal(other.code, "reservation_settled");
    assert.equal(other.reservationStatus, "settled");
    assert.equal(other.reservation?.settledUnits, 137);

    const shown = await held.get();
    assert.deepEqual(
      [shown.status, shown.units, shown.settledUnits, shown.shortfall],
      ["settled", 500, 137, 0],
    );
    await assert.rejects(held.release(), ReservationFinished);
    assert.deepEqual(await heldAndCounted(user), [0, 137], "counted once");
  });

  test("release frees everything and counts nothing; a released reservation cannot be settled", async () => {
    const user = newUser();
    const held = await client().reserve(user, { units: 200, plan: "big" });
    const released = await held.release();
    assert.equal(released.status, "released");
    assert.equal(released.usage.held, 0);
    assert.equal(held.status, "released");
    assert.deepEqual(await held.release(), released, "releasing again: the same answer");
    const late = await rejection(held.settle(1));
    assert.ok(late instanceof ReservationFinished);
    assert.equal(late.code, "reservation_released");
    assert.deepEqual(await heldAndCounted(user), [0, 0]);
  });

  test("a reservation past its ttlSeconds has expired: holds and counts nothing", async () => {
    const user = newUser();
    const held = await client().reserve(user, { units: 50, plan: "big", ttlSeconds: 1 });
    await new Promise((resolve) => setTimeout(resolve, 2500));
    const late = await rejection(held.settle(10));
    assert.ok(late instanceof ReservationFinished);
    assert.equal(late.code, "reservation_expired");
    assert.equal(held.status, "expired");
    assert.deepEqual(await heldAndCounted(user), [0, 0]);
  });

  test("more than is available beside what is held: QuotaExceeded with held and available", async () => {
    const api = client();
    const user = newUser();
    const first = await api.reserve(user, { units: 2 }); // of the FREE_LIMIT (3) units of `free`
    const refused = await rejection(api.reserve(user, { units: 2 }));
    assert.ok(refused instanceof QuotaExceeded, String(refused));
    assert.equal(refused.status, 403);
    assert.deepEqual(
      [refused.held, refused.available, refused.count, refused.limit, refused.plan],
      [2, 1, 0, FREE_LIMIT, "free"],
    );
    const metered = await rejection(api.meter(user, { units: 2 }));
    assert.ok(metered instanceof QuotaExceeded && metered.held === 2, "a call cannot spend the hold");
    assert.equal((await first.settle(2)).usage.count, 2);
    assert.deepEqual(await heldAndCounted(user, undefined), [0, 2]);
  });
});

describe("withReservation", () => {
  test("settled in the work: not released; its result is returned", async () => {
    const user = newUser();
    let kept: Reservation | undefined;
    const result = await client().withReservation(user, { units: 100, plan: "big" }, async (held) => {
      kept = held;
      await held.settle(40);
      return "done";
    });
    assert.equal(result, "done");
    assert.equal(kept?.status, "settled");
    assert.deepEqual(await heldAndCounted(user), [0, 40]);
  });

  test("work that throws is released, counting nothing, and its error is the one thrown", async () => {
    const user = newUser();
    let kept: Reservation | undefined;
    const failed = new Error("the work failed");
    await assert.rejects(
      client().withReservation(user, { units: 100, plan: "big" }, async (held) => {
        kept = held;
        assert.deepEqual(await heldAndCounted(user), [100, 0]);
        throw failed;
      }),
      (error: unknown) => error === failed,
    );
    assert.equal(kept?.status, "released");
    assert.deepEqual(await heldAndCounted(user), [0, 0]);
  });

  test("work that returns without settling is released", async () => {
    const user = newUser();
    let kept: Reservation | undefined;
    await client().withReservation(user, { units: 100, plan: "big" }, async (held) => {
      kept = held;
    });
    assert.equal(kept?.status, "released");
    assert.deepEqual(await heldAndCounted(user), [0, 0]);
  });

  test("a release that fails never hides the work's error; without one it is thrown", async () => {
    const noRelease: FetchFunction = (input, init) =>
      String(input).endsWith("/release") ? Promise.reject(new TypeError("network down")) : fetch(input, init);
    const api = new DreamApi({ apiKey: API_KEY, baseUrl: BASE_URL, fetch: noRelease, maxRetries: 0 });
    const user = newUser();
    const failed = new Error("the work failed");
    const options = { units: 10, plan: "big", ttlSeconds: 60 };
    await assert.rejects(
      api.withReservation(user, options, async () => {
        throw failed;
      }),
      (error: unknown) => error === failed,
    );
    const unsettled = await rejection(api.withReservation(user, options, async () => "unsettled"));
    assert.ok(unsettled instanceof ConnectionFailed, String(unsettled));
    assert.deepEqual(await heldAndCounted(user), [20, 0], "still held (until they expire)");
  });
});

describe("retries", () => {
  test("a reserve and a settle whose answers are lost are sent again: held once, counted once", async () => {
    const proxy = await droppingProxy(BASE_URL);
    try {
      const keys: (string | undefined)[] = [];
      const recording: FetchFunction = (input, init) => {
        keys.push((init?.headers as Record<string, string> | undefined)?.["idempotency-key"]);
        return fetch(input, init);
      };
      const api = new DreamApi({
        apiKey: API_KEY,
        baseUrl: proxy.url,
        fetch: recording,
        retryBaseDelayMs: 50,
      });
      const user = newUser();
      const held = await api.reserve(user, { units: 40, plan: "big" });
      assert.equal(proxy.drops(), 1, "the proxy did not drop the reserve's answer");
      assert.equal(keys.length, 2, "one attempt, one retry");
      assert.equal(keys[0], keys[1]);
      assert.equal(held.idempotencyKey, keys[0]);
      assert.equal(held.replayed, true, "the retry got the first answer back");
      assert.deepEqual(await heldAndCounted(user), [40, 0], "held once");

      proxy.dropNext();
      const settled = await held.settle(25);
      assert.equal(proxy.drops(), 2, "the proxy did not drop the settle's answer");
      assert.equal(keys.length, 4);
      assert.deepEqual([settled.units, settled.usage.count, settled.usage.held], [25, 25, 0]);
      assert.deepEqual(await heldAndCounted(user), [0, 25], "counted once");
    } finally {
      await proxy.close();
    }
  });
});
