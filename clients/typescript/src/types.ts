/**
 * Request and response types of the routes the client calls, taken from the types generated from
 * api_multi's committed OpenAPI document (`npm run gen:api`): a route or schema change there breaks
 * `tsc` here.
 */
import type { paths } from "./generated/api_multi.js";

export type { paths };

type Method = "get" | "post" | "put" | "delete";
/** A route of api_multi: a path of its OpenAPI document. */
export type ApiPath = keyof paths;
type Operation<P extends ApiPath, M extends Method> = NonNullable<paths[P][M]>;
type JsonContent<R> = R extends { content: { "application/json": infer B } } ? B : never;
type Responses<P extends ApiPath, M extends Method> =
  Operation<P, M> extends { responses: infer R } ? R : never;
type Answer<P extends ApiPath, M extends Method, S extends keyof Responses<P, M>> = JsonContent<
  Responses<P, M>[S]
>;
type RequestBody<P extends ApiPath, M extends Method> = JsonContent<
  NonNullable<Operation<P, M> extends { requestBody?: infer B } ? B : never>
>;

/** `POST /api/data`: the call was counted (or an Idempotency-Key's first answer, replayed). */
export type MeterResponse = Answer<"/api/data", "post", 200>;
/** The usage object of `/api/data` and `/api/usage`. */
export type Usage = MeterResponse["usage"];
/** `POST /api/data` 403: the month's included units and the credits do not cover the call. */
export type QuotaExceededBody = Answer<"/api/data", "post", 403>;
/** `POST /api/data` request body. */
export type MeterRequest = RequestBody<"/api/data", "post">;
/** `GET /api/usage`. */
export type UsageResponse = Answer<"/api/usage", "get", 200>;
/** `GET /api/tiers?platformId=…`. */
export type TiersResponse = Answer<"/api/tiers", "get", 200>;
export type Tier = TiersResponse["tiers"][number];
/** `GET /api/credits`: an end user's balance. */
export type CreditsResponse = Answer<"/api/credits", "get", 200>;
/** `POST /api/developer/users/{userId}/credits` request body. */
export type GrantCreditsRequest = RequestBody<"/api/developer/users/{userId}/credits", "post">;
/** `POST /api/developer/users/{userId}/credits` 201. */
export type GrantCreditsResponse = Answer<"/api/developer/users/{userId}/credits", "post", 201>;
/** `GET /api/developer/users/{userId}/credits`: the balance and the latest ledger entries. */
export type CreditStatement = Answer<"/api/developer/users/{userId}/credits", "get", 200>;
export type CreditEntry = CreditStatement["entries"][number];
/** `GET /api/developer/keys`. */
export type KeyList = Answer<"/api/developer/keys", "get", 200>;
/** One API key as lists show it (never the key itself). */
export type ApiKeyInfo = KeyList["keys"][number];
/** `POST /api/developer/keys` request body. */
export type CreateKeyRequest = RequestBody<"/api/developer/keys", "post">;
/** `POST /api/developer/keys` 201: the new key, `apiKey` shown this once. */
export type CreatedKey = Answer<"/api/developer/keys", "post", 201>;
/** `POST /api/developer/keys/{keyId}/roll` request body. */
export type RollKeyRequest = RequestBody<"/api/developer/keys/{keyId}/roll", "post">;
/** `POST /api/developer/keys/{keyId}/roll` 201: the new key and when the old one stops. */
export type RolledKey = Answer<"/api/developer/keys/{keyId}/roll", "post", 201>;
/** `DELETE /api/developer/keys/{keyId}`: the key, revoked. */
export type RevokedKey = Answer<"/api/developer/keys/{keyId}", "delete", 200>;
/** `POST /api/reservations` request body. */
export type ReserveRequest = RequestBody<"/api/reservations", "post">;
/** `POST /api/reservations` 201: the reservation, held, and the usage after it. */
export type ReservedResponse = Answer<"/api/reservations", "post", 201>;
/** `POST /api/reservations` 403: not that many units available beside what is held. */
export type ReservationRefusedBody = Answer<"/api/reservations", "post", 403>;
/** `POST /api/reservations/{reservationId}/settle` request body. */
export type SettleRequest = RequestBody<"/api/reservations/{reservationId}/settle", "post">;
/** `POST /api/reservations/{reservationId}/settle` 200: `units` is what was counted. */
export type SettledResponse = Answer<"/api/reservations/{reservationId}/settle", "post", 200>;
/** `POST /api/reservations/{reservationId}/release` 200: the reservation, released. */
export type ReleasedResponse = Answer<"/api/reservations/{reservationId}/release", "post", 200>;
/** `GET /api/reservations/{reservationId}`: a reservation as it stands. */
export type ReservationInfo = Answer<"/api/reservations/{reservationId}", "get", 200>;
export type ReservationStatus = ReservationInfo["status"];
/** The usage after a reserve, settle or release: `held` is always there. */
export type ReservationUsage = ReservedResponse["usage"];
/** Every error answer: `{"error": code, "message": text}` (some add fields). */
export type ErrorBody = Answer<"/api/data", "post", "default">;
