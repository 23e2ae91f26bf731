/** verifyGatewayRequest: the vector the gateway's own signing produces (tests/unit/test_gateway_signing.py
 * checks it on the Python side), header names in any case, and refusals. */
import assert from "node:assert/strict";
import { test } from "node:test";

import { InvalidGatewaySignature, verifyGatewayRequest } from "@dream-api/client";

const SECRET = "gwsec_test";
const NOW = 1_800_000_000;
const HEADERS = {
  "X-Dream-Platform-Id": "plt_0123456789abcdef0123",
  "X-Dream-User-Id": "user_42",
  "X-Dream-Timestamp": String(NOW),
  "X-Dream-Signature": "v1=1eb5a4cb4b1a46880c26180efe2eca1e51bdd80d2a4894b5ae01d811bcb77281",
};
const REQUEST = { method: "post", path: "/v1/chat/completions", now: NOW };

test("the gateway's headers verify, from a plain object or a Headers", async () => {
  const caller = await verifyGatewayRequest(SECRET, { ...REQUEST, headers: HEADERS });
  assert.deepEqual(caller, { platformId: "plt_0123456789abcdef0123", userId: "user_42", timestamp: NOW });
  const fromHeaders = await verifyGatewayRequest(SECRET, { ...REQUEST, headers: new Headers(HEADERS) });
  assert.equal(fromHeaders.userId, "user_42");
});

test("another user, path, secret or an old timestamp is refused", async () => {
  const refusals = [
    { ...REQUEST, headers: { ...HEADERS, "X-Dream-User-Id": "user_43" } },
    { ...REQUEST, path: "/v1/embeddings", headers: HEADERS },
    { ...REQUEST, now: NOW + 301, headers: HEADERS },
    { ...REQUEST, headers: { ...HEADERS, "X-Dream-Timestamp": "soon" } },
  ];
  for (const request of refusals) {
    await assert.rejects(verifyGatewayRequest(SECRET, request), InvalidGatewaySignature);
  }
  await assert.rejects(verifyGatewayRequest("gwsec_other", { ...REQUEST, headers: HEADERS }), InvalidGatewaySignature);
});
