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
  ServiceUnavailable,
  type RateLimitInfo,
} from "./errors.js";
export type * from "./types.js";
