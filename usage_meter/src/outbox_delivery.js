/** One delivery attempt of a webhook event: a POST signed the Standard Webhooks way. */

/** One signed POST; never throws: the outcome is a status (0 when none came) and an error. */
export async function attempt(row, timeoutMs) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = await sign(row.secret, `${row.event_id}.${timestamp}.${row.body}`);
  try {
    const response = await fetch(row.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "dream-api-webhooks/1",
        "webhook-id": row.event_id,
        "webhook-timestamp": timestamp,
        "webhook-signature": `v1,${signature}`,
      },
      body: row.body,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.body?.cancel();
    return { status: response.status, error: response.ok ? null : `HTTP ${response.status}` };
  } catch (error) {
    return { status: 0, error: error?.name === "TimeoutError" ? "timed out" : "could not connect" };
  }
}

/** Standard Webhooks: base64 HMAC-SHA256 with the base64 key after "whsec_". */
async function sign(secret, content) {
  const keyBytes = Uint8Array.from(atob(secret.slice("whsec_".length)), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey("raw", keyBytes, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(content)));
  return btoa(String.fromCharCode(...mac));
}

export function shownDelivery(row) {
  return {
    id: row.id,
    eventId: row.event_id,
    type: row.type,
    state: row.state,
    attempts: row.attempts,
    lastStatus: row.last_status,
    lastError: row.last_error,
    lastAttemptAt: row.last_attempt_at,
    nextAttemptAt: row.next_at,
    createdAt: row.created_at,
  };
}
