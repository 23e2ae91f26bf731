// The gateway's config as the dashboard edits it: the JSON the API takes (PUT /api/developer/gateway)
// and reads back (GET, header values masked), the header values the editor asks for again on every
// save (they are write-only: the API never shows them and has no "keep the old value"), and what a
// test call sends.
import type { ApiMultiReply } from "../client";

export type GatewayShown = ApiMultiReply<"get_api_developer_gateway">;
export type GatewayRoute = GatewayShown["routes"][number];
/** AI routes' prices per model (the generated type says only "an object"). */
export type ModelPrice = { inputPer1k: number; outputPer1k: number; cachedInputPer1k?: number };

/** How the API shows a header value it keeps secret; the editor uses it for "enter it below". */
export const MASK = "********";

/** The config part of a GET answer, as the editor shows it. */
export type EditableConfig = {
  upstream: string;
  upstreamHeaders?: Record<string, string>;
  routes: Record<string, unknown>[];
};

export function editable(shown: GatewayShown): EditableConfig {
  const config: EditableConfig = { upstream: shown.upstream, routes: shown.routes as Record<string, unknown>[] };
  if (Object.keys(shown.upstreamHeaders).length > 0) config.upstreamHeaders = shown.upstreamHeaders;
  return config;
}

/** A first config to start from: the origin, its secret header (entered below the editor), and a
 * route of each kind of units. */
export const STARTER: EditableConfig = {
  upstream: "https://api.example.com",
  upstreamHeaders: { authorization: MASK },
  routes: [
    { method: "POST", path: "/v1/search", units: { fixed: 1 } },
    { method: "GET", path: "/v1/reports/*", units: { responseHeader: "x-units", max: 100 } },
  ],
};

/** The config as JSON text: one key a line, one route a line (short enough to read and edit). */
export function configText(config: EditableConfig): string {
  const lines = ["{", `  "upstream": ${JSON.stringify(config.upstream)},`];
  if (config.upstreamHeaders) lines.push(`  "upstreamHeaders": ${spaced(config.upstreamHeaders)},`);
  lines.push('  "routes": [');
  config.routes.forEach((route, index) => {
    lines.push(`    ${spaced(route)}${index < config.routes.length - 1 ? "," : ""}`);
  });
  lines.push("  ]", "}");
  return lines.join("\n");
}

/** JSON on one line with a space after each colon and comma, outside strings. */
function spaced(value: unknown): string {
  return JSON.stringify(value, null, 1).replace(/\n\s*/g, " ").replace(/([[{]) /g, "$1").replace(/ ([\]}])/g, "$1");
}

/** A header whose value the developer has to enter (the JSON holds the mask there). */
export type HeaderSlot = {
  /** "upstreamHeaders.authorization", "routes[1].upstreamHeaders.x-api-key" */
  id: string;
  name: string;
  /** the route it belongs to ("POST /v1/messages"), null for the config's own headers */
  route: string | null;
  routeIndex: number | null;
};

export type Parsed = { ok: true; value: Record<string, unknown> } | { ok: false; error: string };

export function parseConfig(text: string): Parsed {
  try {
    const value: unknown = JSON.parse(text);
    if (!value || typeof value !== "object" || Array.isArray(value)) return { ok: false, error: "The config must be a JSON object: { \"upstream\": …, \"routes\": […] }." };
    return { ok: true, value: value as Record<string, unknown> };
  } catch (error) {
    return { ok: false, error: `The config is not valid JSON: ${error instanceof Error ? error.message : String(error)}.` };
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  !!value && typeof value === "object" && !Array.isArray(value);

/** Every header value of a parsed config that is the mask, in order. */
export function headerSlots(config: Record<string, unknown>): HeaderSlot[] {
  const slots: HeaderSlot[] = [];
  const collect = (headers: unknown, prefix: string, route: string | null, routeIndex: number | null) => {
    if (!isObject(headers)) return;
    for (const [name, value] of Object.entries(headers)) {
      if (value === MASK) slots.push({ id: `${prefix}upstreamHeaders.${name}`, name, route, routeIndex });
    }
  };
  collect(config.upstreamHeaders, "", null, null);
  if (Array.isArray(config.routes)) {
    config.routes.forEach((route, index) => {
      if (!isObject(route)) return;
      const label = `${typeof route.method === "string" ? route.method : route.kind ? "POST" : "GET"} ${String(route.path ?? "")}`;
      collect(route.upstreamHeaders, `routes[${index}].`, label, index);
    });
  }
  return slots;
}

/** The config with each masked header value replaced by what was entered for it. */
export function withHeaderValues(config: Record<string, unknown>, values: Record<string, string>): Record<string, unknown> {
  const fill = (headers: unknown, prefix: string) =>
    isObject(headers)
      ? Object.fromEntries(
          Object.entries(headers).map(([name, value]) => [name, value === MASK ? (values[`${prefix}upstreamHeaders.${name}`] ?? "") : value]),
        )
      : headers;
  const filled: Record<string, unknown> = { ...config };
  if ("upstreamHeaders" in config) filled.upstreamHeaders = fill(config.upstreamHeaders, "");
  if (Array.isArray(config.routes)) {
    filled.routes = config.routes.map((route, index) =>
      isObject(route) && "upstreamHeaders" in route ? { ...route, upstreamHeaders: fill(route.upstreamHeaders, `routes[${index}].`) } : route,
    );
  }
  return filled;
}

export function routeKind(route: GatewayRoute): "http" | "openai" | "anthropic" {
  return route.kind ?? "http";
}

export function routeMethod(route: GatewayRoute): string {
  return route.method ?? (routeKind(route) === "http" ? "GET" : "POST");
}

export function routeLabel(route: GatewayRoute): string {
  return `${routeMethod(route)} ${route.path}`;
}

export function modelsOf(route: GatewayRoute): [string, ModelPrice][] {
  return Object.entries((route.models ?? {}) as Record<string, ModelPrice>);
}

/** What a call of the route costs, in words. */
export function costText(route: GatewayRoute): string {
  const units = route.units;
  if (routeKind(route) !== "http") {
    const models = modelsOf(route)
      .map(([name, price]) => `${name}: ${price.inputPer1k} in, ${price.outputPer1k} out${price.cachedInputPer1k !== undefined ? `, ${price.cachedInputPer1k} cached` : ""}`)
      .join("; ");
    return `units per 1,000 tokens (${models}); at most ${(route.maxOutputTokens ?? 4096).toLocaleString()} output tokens`;
  }
  if (!units) return "—";
  if (units.fixed !== undefined) return `${units.fixed} unit${units.fixed === 1 ? "" : "s"} a call`;
  if (units.responseHeader) return `the ${units.responseHeader} header of the answer, at most ${units.max}`;
  if (units.jsonPointer) return `${units.jsonPointer} in the JSON answer, at most ${units.max}`;
  return "—";
}

/** The path a test call of the route asks for: each `*` becomes a sample segment. */
export function samplePath(route: GatewayRoute): string {
  return route.path.replace(/\*/g, "example");
}

/** A body a test call of the route can send: a small request for AI routes, an empty object for
 * others that take one, nothing for GET and DELETE. */
export function sampleBody(route: GatewayRoute): string {
  const model = modelsOf(route)[0]?.[0] ?? "model";
  const kind = routeKind(route);
  if (kind === "openai" && route.path.endsWith("/embeddings")) return JSON.stringify({ model, input: "Hello" }, null, 2);
  if (kind === "openai") return JSON.stringify({ model, messages: [{ role: "user", content: "Hello" }], max_tokens: 16 }, null, 2);
  if (kind === "anthropic") return JSON.stringify({ model, max_tokens: 16, messages: [{ role: "user", content: "Hello" }] }, null, 2);
  return ["GET", "DELETE"].includes(routeMethod(route)) ? "" : "{}";
}

/** The answer's headers worth showing for a metered call, all of which a page may read across
 * origins: the gateway's CORS exposes RateLimit, RateLimit-Policy, the X-RateLimit-* family,
 * Retry-After and X-Request-Id (and Content-Type is always readable). */
export const READABLE_HEADERS = ["ratelimit", "ratelimit-policy", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after", "x-request-id", "content-type"] as const;

/** A shell-quoted word ('…', with ' inside written as '\''). */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, "'\\''")}'`;
}

/** The curl line of a test call (the key as $USER_KEY, never the key itself). */
export function curlLine(url: string, method: string, body: string): string {
  const parts = ["curl -i"];
  if (method !== "GET") parts.push(`-X ${method}`);
  parts.push(shellQuote(url), '-H "authorization: Bearer $USER_KEY"');
  if (body.trim()) parts.push("-H 'content-type: application/json'", `-d ${shellQuote(body.trim().replace(/\s*\n\s*/g, " "))}`);
  return parts.join(" ");
}
