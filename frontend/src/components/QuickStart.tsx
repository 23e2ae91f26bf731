import { config } from "../config";

/** One metered call for the end user `user_42`, with the key when it is at hand. */
export function curlSnippet(apiKey?: string): string {
  const key = apiKey ?? "$DREAMAPI_API_KEY";
  return `curl -X POST ${config.apiMulti}/api/data \\\n  -H "authorization: Bearer ${key}" \\\n  -H "x-user-id: user_42"`;
}

// The SDKs live in the dream-api repository (clients/python, clients/typescript) until they are
// published; the snippets say so.
export function QuickStart({ platformId }: { platformId: string }) {
  const base = config.apiMulti;
  const snippets = {
    curl: curlSnippet(),
    Python: [
      "# pip install ./clients/python   (dreamapi-client, from the dream-api repository)",
      "from dreamapi_client import DreamApi, QuotaExceeded",
      "",
      `dream = DreamApi(base_url="${base}")  # the key from DREAMAPI_API_KEY`,
      "try:",
      '    result = dream.meter("user_42", units=1)  # retried safely: one Idempotency-Key',
      '    print(result["usage"]["remaining"])',
      "except QuotaExceeded as refused:",
      '    print(f"{refused.plan}: {refused.count} of {refused.limit} used")',
    ].join("\n"),
    FastAPI: [
      'from fastapi import Depends, FastAPI  # pip install "./clients/python[fastapi]"',
      "from dreamapi_client import AsyncDreamApi",
      "from dreamapi_client.fastapi import install, metered",
      "",
      "app = FastAPI()",
      "install(app)  # refusals answer with dream-api's 403/429 bodies and headers",
      `meter = metered(AsyncDreamApi(base_url="${base}"), user_id=lambda request: request.headers.get("x-user-id"))`,
      "",
      '@app.post("/generate", dependencies=[Depends(meter)])',
      "async def generate():",
      '    return {"ok": True}',
    ].join("\n"),
    TypeScript: [
      "// npm install ./clients/typescript   (@dream-api/client: Node 18+, Deno, Bun, Workers)",
      'import { DreamApi, QuotaExceeded } from "@dream-api/client";',
      "",
      `const dream = new DreamApi({ apiKey: process.env.DREAMAPI_API_KEY, baseUrl: "${base}" });`,
      'const { usage } = await dream.meter("user_42", { units: 1 });',
      "console.log(usage.remaining);",
    ].join("\n"),
    Express: [
      'import { metered } from "@dream-api/client/express";',
      "",
      'app.post("/generate", metered(dream, { userId: (req) => req.header("x-user-id") ?? "" }), handler);',
    ].join("\n"),
  };
  return (
    <section className="card" aria-labelledby="quickstart-title" id="quick-start">
      <h2 id="quickstart-title">Quick start</h2>
      <p>
        Your platform: <code>{platformId}</code>. Meter a call for one of your users, with curl or the SDKs
        (typed errors, retries that never count twice):
      </p>
      {Object.entries(snippets).map(([language, code]) => (
        <details key={language} open={language === "curl"}>
          <summary>{language}</summary>
          <pre tabIndex={0} aria-label={`${language} example`}><code>{code}</code></pre>
        </details>
      ))}
    </section>
  );
}
