/** Test helper (tests/runtime/test_meter_replays.py): sends a raw operation to one subject's usage
 * meter object, as a worker whose answer was lost on the way would send it again.
 *   POST /<subject>/<operation>   body: the operation's JSON input, passed on as it is */
export default {
  async fetch(request, env) {
    const [, subject, ...operation] = new URL(request.url).pathname.split("/");
    if (request.method === "GET") return new Response("meter probe");
    if (!subject) return new Response("name a subject", { status: 404 });
    const stub = env.USAGE_METER.get(env.USAGE_METER.idFromName(decodeURIComponent(subject)));
    return stub.fetch(`https://usage-meter/${operation.join("/")}`, { method: "POST", body: await request.text() });
  },
};
