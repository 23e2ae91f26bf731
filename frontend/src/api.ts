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

type Options = { method?: string; token?: string | null; body?: unknown };

export async function call<T>(base: string, path: string, options: Options = {}): Promise<T> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  let reply: Response;
  try {
    reply = await fetch(`${base}${path}`, {
      method: options.method ?? "GET",
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, "network_error", "The service could not be reached. Check your connection and try again.");
  }
  const data = (await reply.json().catch(() => ({}))) as Record<string, unknown>;
  if (!reply.ok) {
    throw new ApiError(reply.status, String(data.error ?? "error"), String(data.message ?? reply.statusText), data);
  }
  return data as T;
}

export type Usage = {
  count: number;
  limit: number;
  plan: string;
  periodStart: string;
  periodEnd: string;
  remaining: number;
};
export type UsageReply = {
  userId: string;
  usage: Usage;
  subscription: { plan: string; status: string };
  daily: { date: string; count: number }[];
};
export type Tier = {
  name: string;
  limit: number;
  rateLimit?: number;
  priceCents?: number;
  currency?: string;
  stripePriceId?: string | null;
  default?: boolean;
};
export type TierList = { platformId: string; tiers: Tier[]; source: "default" | "custom" };
export type Credentials = { platformId: string; keyPrefix: string | null; keyCreatedAt: string | null };
export type IssuedKey = { platformId: string; apiKey: string; keyPrefix: string; createdAt: string };
export type Stats = {
  platformId: string;
  endUsers: { total: number; activeThisMonth: number; atOrOverLimit: number };
  calls: { thisMonth: number; byTier: Record<string, number> };
  revenue: { totalCents: number; currency: string; payments: number };
  overage?: {
    units: number;
    revenueCents: number;
    users: { userId: string; tier: string; units: number; revenueCents: number }[];
  };
  generatedAt: string;
  callsShowWithinSeconds: number;
};
export type ConnectionStatus = {
  platformId: string | null;
  stripe: { connected: boolean; onboardingPending: boolean; accountId?: string };
  github: { connected: boolean; login?: string };
};
export type CreditPack = {
  name: string;
  units: number;
  priceCents: number;
  currency?: string;
  stripePriceId?: string | null;
};
export type CreditPackList = { platformId: string; packs: CreditPack[] };
export type LedgerEntry = {
  kind: "grant" | "adjustment" | "top_up" | "usage";
  units: number;
  reason: string;
  at: string;
  date?: string;
  balanceAfter: number;
};
export type CreditStatement = { platformId: string; userId: string; balance: number; entries: LedgerEntry[] };
export const WEBHOOK_EVENT_TYPES = [
  "usage.threshold_crossed",
  "usage.limit_reached",
  "credits.low",
  "subscription.updated",
] as const;
export type WebhookEndpoint = {
  id: string;
  url: string;
  events: string[];
  description?: string;
  createdAt: string;
};
export type NewWebhookEndpoint = WebhookEndpoint & { secret: string };
export type WebhookEndpointList = { platformId: string; endpoints: WebhookEndpoint[] };
export type WebhookDelivery = {
  id: string;
  eventId: string;
  type: string;
  state: "pending" | "delivered" | "failed";
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  createdAt: string;
};
export type WebhookDeliveryList = { endpointId: string; deliveries: WebhookDelivery[] };
export type AlertSettings = { platformId: string; usageThresholds: number[]; creditsBelow: number | null };
export type ApiKey = {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  rolledFrom?: string | null; // the key this one replaced
  rolledTo?: string | null; // the key that replaced this one (it works until expiresAt)
};
export type NewApiKey = ApiKey & { apiKey: string; warning: string };
export type RolledApiKey = NewApiKey & { previousKey: { id: string; expiresAt: string | null } };
export type ApiKeyList = {
  platformId: string;
  keys: ApiKey[];
  maxActiveKeys: number;
  lastUsedPrecisionSeconds: number;
};
