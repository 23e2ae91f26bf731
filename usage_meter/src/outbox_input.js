/** What an outbox operation must carry; anything else is refused (400) before it touches storage. */

export const OUTBOX_OPERATIONS = ["/endpoints/put", "/endpoints/delete", "/endpoints/list", "/enqueue", "/deliveries", "/events", "/retry", "/wake"];

export function invalidOutboxInput(path, input) {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return "body must be a JSON object";
  if (!OUTBOX_OPERATIONS.includes(path)) return `unknown operation ${path}`;
  if (path === "/endpoints/put") return invalidEndpoint(input);
  if (path === "/endpoints/delete") return typeof input.id === "string" ? null : "id must be a string";
  if (path === "/enqueue") return invalidEvents(input);
  if (path === "/deliveries") {
    if (typeof input.endpointId !== "string") return "endpointId must be a string";
    return Number.isInteger(input.limit) && input.limit > 0 ? null : "limit must be a positive integer";
  }
  if (path === "/events") {
    if (typeof input.field !== "string" || !/^[A-Za-z]{1,32}$/.test(input.field)) return "field must be a name";
    if (typeof input.value !== "string") return "value must be a string";
    return Number.isInteger(input.limit) && input.limit > 0 ? null : "limit must be a positive integer";
  }
  if (path === "/retry") {
    return typeof input.endpointId === "string" && typeof input.deliveryId === "string"
      ? null
      : "endpointId and deliveryId must be strings";
  }
  return null;
}

function invalidEndpoint({ endpoint, delivery, maxEndpoints }) {
  if (typeof endpoint !== "object" || endpoint === null) return "endpoint must be an object";
  for (const name of ["id", "url", "secret", "description"]) {
    if (typeof endpoint[name] !== "string") return `endpoint.${name} must be a string`;
  }
  if (!endpoint.secret.startsWith("whsec_")) return "endpoint.secret must start with whsec_";
  if (!Array.isArray(endpoint.events) || !endpoint.events.every((t) => typeof t === "string")) {
    return "endpoint.events must be a list of strings";
  }
  if (!Number.isInteger(endpoint.createdAt)) return "endpoint.createdAt must be an integer";
  if (!Number.isInteger(maxEndpoints)) return "maxEndpoints must be an integer";
  if (typeof delivery !== "object" || delivery === null) return "delivery must be an object";
  if (!Array.isArray(delivery.retrySeconds) || !delivery.retrySeconds.every((s) => Number.isInteger(s) && s > 0)) {
    return "delivery.retrySeconds must be a list of positive integers";
  }
  return Number.isInteger(delivery.timeoutMs) && delivery.timeoutMs > 0 ? null : "delivery.timeoutMs";
}

function invalidEvents({ events, endpointId }) {
  if (endpointId != null && typeof endpointId !== "string") return "endpointId must be a string";
  if (!Array.isArray(events)) return "events must be a list";
  for (const event of events) {
    if (typeof event !== "object" || event === null) return "each event must be an object";
    for (const name of ["id", "type", "body"]) if (typeof event[name] !== "string") return `event.${name} must be a string`;
    if (!Number.isInteger(event.createdAt)) return "event.createdAt must be an integer";
  }
  return null;
}
