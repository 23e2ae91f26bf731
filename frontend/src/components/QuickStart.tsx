import { config } from "../config";

export function QuickStart({ platformId }: { platformId: string }) {
  const url = `${config.apiMulti}/api/data`;
  const snippets = {
    curl: `curl -X POST ${url} \\\n  -H "authorization: Bearer $DREAM_API_KEY" \\\n  -H "x-user-id: user_42"`,
    Python: `import os, httpx\nreply = httpx.post("${url}",\n    headers={"authorization": f"Bearer {os.environ['DREAM_API_KEY']}", "x-user-id": "user_42"})\nprint(reply.json()["usage"])`,
    JavaScript: `const reply = await fetch("${url}", {\n  method: "POST",\n  headers: { authorization: \`Bearer \${process.env.DREAM_API_KEY}\`, "x-user-id": "user_42" },\n});\nconsole.log((await reply.json()).usage);`,
  };
  return (
    <section className="card" aria-labelledby="quickstart-title">
      <h2 id="quickstart-title">Quick start</h2>
      <p>Your platform: <code>{platformId}</code>. Meter a call for one of your users:</p>
      {Object.entries(snippets).map(([language, code]) => (
        <details key={language} open={language === "curl"}>
          <summary>{language}</summary>
          <pre><code>{code}</code></pre>
        </details>
      ))}
    </section>
  );
}
