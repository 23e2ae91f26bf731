// Test/dev helper: the workers' local KV (same persisted state as `wrangler dev --persist-to DIR`)
// over HTTP, through miniflare, the KV implementation wrangler itself runs locally.
//   node scripts/kv_bridge.mjs --persist-to DIR --port N --namespaces '{"TOKENS_KV": "<id>"}'
//   GET/PUT/DELETE /kv/<BINDING>/<key>    GET /kv/<BINDING>?prefix=p  (PUT ?ttl=seconds)
import http from "node:http";
import path from "node:path";
import { Miniflare } from "miniflare";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, arg, i, all) => (arg.startsWith("--") ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []),
);
const NAMESPACES = JSON.parse(args.namespaces);  // {"TOKENS_KV": "<id>", ...} as in wrangler.toml

const mf = new Miniflare({
  modules: true,
  script: "export default { fetch() { return new Response(null, { status: 204 }); } }",
  kvNamespaces: NAMESPACES,
  kvPersist: path.join(path.resolve(args["persist-to"]), "v3", "kv"),
});
const bindings = {};
for (const name of Object.keys(NAMESPACES)) bindings[name] = await mf.getKVNamespace(name);

async function readBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, "http://localhost");
    const [, kv, binding, ...rest] = url.pathname.split("/");
    const namespace = bindings[binding];
    if (kv !== "kv" || !namespace) return send(res, 404, { error: "unknown binding" });
    const key = decodeURIComponent(rest.join("/"));
    if (!key && req.method === "GET") {
      const listed = await namespace.list({ prefix: url.searchParams.get("prefix") ?? "" });
      return send(res, 200, { keys: listed.keys.map((k) => k.name) });
    }
    if (req.method === "GET") {
      const value = await namespace.get(key);
      return value === null ? send(res, 404, { error: "not found" }) : send(res, 200, value, "text/plain");
    }
    if (req.method === "PUT") {
      const ttl = url.searchParams.get("ttl");
      await namespace.put(key, await readBody(req), ttl ? { expirationTtl: Number(ttl) } : {});
      return send(res, 204);
    }
    if (req.method === "DELETE") {
      await namespace.delete(key);
      return send(res, 204);
    }
    return send(res, 405, { error: "method not allowed" });
  } catch (error) {
    console.error(`kv bridge: ${req.method} ${req.url} failed: ${error}`);
    return send(res, 500, { error: String(error) });
  }
});

function send(res, status, body, type = "application/json") {
  const payload = body === undefined ? "" : type === "application/json" ? JSON.stringify(body) : body;
  res.writeHead(status, { "content-type": type });
  res.end(payload);
}

server.listen(Number(args.port ?? 0), "127.0.0.1", () => {
  console.log(`kv bridge on http://127.0.0.1:${server.address().port}`);
});
const stop = async () => { server.close(); await mf.dispose(); process.exit(0); };
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
