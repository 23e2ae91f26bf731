// Query keys of the dashboard's data, in one place so that a write can invalidate exactly what it
// changed. Everything a developer owns is keyed by the signed-in user (and their platform), so a
// different session never sees another's cache; public data is keyed by platform id only.
export const queryKeys = {
  /** front_auth_api /get-credentials (null: none generated yet) */
  credentials: (userId: string | null) => ["credentials", userId] as const,
  /** front_auth_api /usage: the developer's own plan and usage */
  usage: (userId: string | null) => ["usage", userId] as const,
  /** oauth_api /status: the Stripe and GitHub connections */
  connections: (userId: string | null) => ["connections", userId] as const,
  /** Everything under /api/developer/* of this user's platform (a prefix: invalidates all below) */
  developer: (userId: string | null) => ["developer", userId] as const,
  apiKeys: (userId: string | null, platformId: string) => ["developer", userId, platformId, "keys"] as const,
  stats: (userId: string | null, platformId: string) => ["developer", userId, platformId, "stats"] as const,
  webhooks: (userId: string | null, platformId: string) => ["developer", userId, platformId, "webhooks"] as const,
  deliveries: (userId: string | null, platformId: string, endpointId: string) =>
    ["developer", userId, platformId, "webhooks", endpointId, "deliveries"] as const,
  alerts: (userId: string | null, platformId: string) => ["developer", userId, platformId, "alerts"] as const,
  /** GET /api/developer/gateway (null: none configured) */
  gateway: (userId: string | null, platformId: string) => ["developer", userId, platformId, "gateway"] as const,
  /** GET /api/developer/users/{userId}/keys: one end user's own keys */
  endUserKeys: (userId: string | null, platformId: string, endUserId: string) =>
    ["developer", userId, platformId, "end-user-keys", endUserId] as const,
  /** api_multi /api/tiers?platformId= (public: what the pricing page shows too) */
  tiers: (platformId: string) => ["tiers", platformId] as const,
  /** api_multi /api/credit-packs?platformId= (public) */
  creditPacks: (platformId: string) => ["credit-packs", platformId] as const,
};
