export {
  DreamApi,
  newIdempotencyKey,
  type CreateKeyOptions,
  type DreamApiOptions,
  type FetchFunction,
  type GrantCreditsOptions,
  type MeterInfo,
  type MeterOptions,
  type Metered,
  type RequestOptions,
  type ReserveOptions,
  type RollKeyOptions,
  type UsageOptions,
} from "./client.js";
export {
  BadRequest,
  Conflict,
  ConnectionFailed,
  DreamApiError,
  InvalidApiKey,
  MeterUnavailable,
  NotFound,
  QuotaExceeded,
  RateLimited,
  ReservationFinished,
  ServiceUnavailable,
  type RateLimitInfo,
} from "./errors.js";
export { Reservation } from "./reservation.js";
export type * from "./types.js";
export {
  GATEWAY_TOLERANCE_SECONDS,
  InvalidGatewaySignature,
  verifyGatewayRequest,
  type GatewayCaller,
  type GatewayRequest,
} from "./gateway.js";
