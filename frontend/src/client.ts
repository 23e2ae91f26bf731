// Typed clients for the three workers, generated from their committed OpenAPI documents
// (src/generated, `npm run gen:api`): a route or body change that breaks a page fails `tsc`.
import createClient from "openapi-fetch";
import { config } from "./config";
import type { operations as ApiMultiOperations, paths as ApiMultiPaths } from "./generated/api_multi";
import type { operations as FrontAuthOperations, paths as FrontAuthPaths } from "./generated/front_auth_api";
import type { operations as OauthOperations, paths as OauthPaths } from "./generated/oauth_api";

/** How long a read may go unanswered before it is given up (a query then asks again). */
const READ_TIMEOUT_MS = 10_000;

/** fetch for the typed clients: a GET that gets no answer in time is aborted, so a request lost on
 * the way leaves no page loading for ever; writes wait as long as they take (repeating one is not
 * always safe). */
function fetchWithReadTimeout(request: Request): Promise<Response> {
  if (request.method !== "GET") return fetch(request);
  return fetch(request, { signal: AbortSignal.any([request.signal, AbortSignal.timeout(READ_TIMEOUT_MS)]) });
}

export const apiMulti = createClient<ApiMultiPaths>({ baseUrl: config.apiMulti, fetch: fetchWithReadTimeout });
export const frontAuthApi = createClient<FrontAuthPaths>({ baseUrl: config.frontAuthApi, fetch: fetchWithReadTimeout });
export const oauthApi = createClient<OauthPaths>({ baseUrl: config.oauthApi, fetch: fetchWithReadTimeout });

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** The JSON body an operation answers with on success (200, 201 or 202). */
type Success<Op> = Op extends { responses: { 200: { content: { "application/json": infer Body } } } }
  ? Body
  : Op extends { responses: { 201: { content: { "application/json": infer Body } } } }
    ? Body
    : Op extends { responses: { 202: { content: { "application/json": infer Body } } } }
      ? Body
      : never;
export type ApiMultiReply<Name extends keyof ApiMultiOperations> = Success<ApiMultiOperations[Name]>;
export type FrontAuthReply<Name extends keyof FrontAuthOperations> = Success<FrontAuthOperations[Name]>;
export type OauthReply<Name extends keyof OauthOperations> = Success<OauthOperations[Name]>;

type Outcome<T> = { data?: T; error?: unknown; response: Response };

/** The data of a call, or an ApiError carrying the API's `{error, message}` (status 0 when the
 * service could not be reached). */
export async function unwrap<T>(pending: Promise<Outcome<T>>): Promise<T> {
  let outcome: Outcome<T>;
  try {
    outcome = await pending;
  } catch {
    throw new ApiError(0, "network_error", "The service could not be reached. Check your connection and try again.");
  }
  const { data, error, response } = outcome;
  if (!response.ok || data === undefined) {
    const body = (error && typeof error === "object" ? error : {}) as Record<string, unknown>;
    throw new ApiError(response.status, String(body.error ?? "error"), String(body.message ?? response.statusText), body);
  }
  return data;
}

/** `Authorization: Bearer …` for a session token (none when signed out). */
export function bearer(token: string | null): { authorization?: string } {
  return token ? { authorization: `Bearer ${token}` } : {};
}
