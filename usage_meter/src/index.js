/**
 * The meter worker: dream-api's Durable Objects, reachable only through their bindings.
 *
 * UsageMeter     one per metered subject: counters, credits, overage, snapshots (meter.js)
 * WebhookOutbox  one per platform: webhook endpoints, events owed, deliveries (outbox.js)
 * ApiKeys        one per platform: its API keys' records (keys.js)
 *
 * None holds policy: the Python workers decide and pass in what each decision needs.
 */
import { reply } from "./operations.js";
import { PENDING_PREFIX } from "./outbox.js";

export { UsageMeter } from "./meter.js";
export { WebhookOutbox } from "./outbox.js";
export { ApiKeys } from "./keys.js";

export default {
  /** Reachable only through the Durable Object binding in production (workers_dev = false). */
  fetch(request) {
    const path = new URL(request.url).pathname;
    if (path === "/health") return reply(200, { status: "ok", service: "usage_meter" });
    return reply(404, { error: "not_found", message: `No route for ${path}` });
  },

  /** Cron: wakes every webhook outbox that owes deliveries, so a lost alarm is set again. */
  async scheduled(event, env, ctx) {
    ctx.waitUntil(sweep(env));
  },
};

async function sweep(env) {
  let cursor;
  do {
    const page = await env.USAGE_KV.list({ prefix: PENDING_PREFIX, cursor });
    await Promise.all(
      page.keys.map(async ({ name }) => {
        const outbox = env.WEBHOOK_OUTBOX.get(env.WEBHOOK_OUTBOX.idFromName(name.slice(PENDING_PREFIX.length)));
        const response = await outbox.fetch("https://webhook-outbox/wake", { method: "POST", body: "{}" });
        await response.body?.cancel();
      }),
    );
    cursor = page.list_complete ? undefined : page.cursor;
  } while (cursor);
}
