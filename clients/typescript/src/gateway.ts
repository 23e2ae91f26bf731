/**
 * For your origin behind the dream-api gateway: who is calling.
 *
 * The gateway forwards an end user's call with X-Dream-Platform-Id, X-Dream-User-Id,
 * X-Dream-Timestamp and X-Dream-Signature ("v1=" + hex HMAC-SHA256, with your gateway's signing
 * secret, of "{timestamp}.{platformId}.{userId}.{METHOD}.{path}"). Verify them before trusting
 * the user id:
 *
 *   const caller = await verifyGatewayRequest(SIGNING_SECRET, { method: req.method, path, headers: req.headers });
 *   caller.userId; // the end user the gateway authenticated
 */

export const GATEWAY_TOLERANCE_SECONDS = 300;

export class InvalidGatewaySignature extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidGatewaySignature";
  }
}

export interface GatewayCaller {
  platformId: string;
  userId: string;
  timestamp: number;
}

export interface GatewayRequest {
  method: string;
  /** The path your server received, without the query string. */
  path: string;
  /** A Headers object or a plain object (names compared case-insensitively). */
  headers: Headers | Record<string, string | string[] | undefined>;
  /** Seconds since the epoch (default: now). */
  now?: number;
  toleranceSeconds?: number;
}

function header(headers: GatewayRequest["headers"], name: string): string | undefined {
  if (typeof (headers as Headers).get === "function") return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function equalInConstantTime(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/** The caller the gateway vouches for; throws InvalidGatewaySignature otherwise. */
export async function verifyGatewayRequest(secret: string, request: GatewayRequest): Promise<GatewayCaller> {
  const platformId = header(request.headers, "x-dream-platform-id");
  const userId = header(request.headers, "x-dream-user-id");
  const signature = header(request.headers, "x-dream-signature");
  const timestamp = Number(header(request.headers, "x-dream-timestamp"));
  if (!platformId || !userId || !signature || !Number.isInteger(timestamp)) {
    throw new InvalidGatewaySignature("the X-Dream-* headers are missing or malformed");
  }
  const now = request.now ?? Date.now() / 1000;
  if (Math.abs(now - timestamp) > (request.toleranceSeconds ?? GATEWAY_TOLERANCE_SECONDS)) {
    throw new InvalidGatewaySignature("the signature is too old (or from the future)");
  }
  const encoder = new TextEncoder();
  const key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const content = `${timestamp}.${platformId}.${userId}.${request.method.toUpperCase()}.${request.path}`;
  const expected = "v1=" + hex(await crypto.subtle.sign("HMAC", key, encoder.encode(content)));
  if (!equalInConstantTime(expected, signature)) throw new InvalidGatewaySignature("the signature does not match");
  return { platformId, userId, timestamp };
}
