// A test call through the gateway from this browser, as one of the developer's end users: pick a
// route, create a key for the end user (shown once) or paste one, send, and read the answer's status,
// the rate headers, and its body. The gateway answers the dashboard's origin with CORS (its
// ALLOWED_ORIGINS and FRONTEND_URL); the same call as a curl line is always shown, for a gateway
// this page cannot reach.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { useSession } from "../auth/context";
import { apiMulti, bearer, unwrap } from "../client";
import { ErrorAlert } from "../components/QueryStatus";
import { ShownOnce } from "../dashboard/ShownOnce";
import { queryKeys } from "../hooks/queryKeys";
import {
  curlLine,
  READABLE_HEADERS,
  routeLabel,
  routeMethod,
  sampleBody,
  samplePath,
  type GatewayShown,
} from "./model";

type Answer =
  | { kind: "answer"; status: number; statusText: string; ms: number; headers: [string, string][]; body: string; userId: string }
  | { kind: "unreachable"; url: string };

const MAX_BODY_SHOWN = 4000;
const TAKES_BODY = new Set(["POST", "PUT", "PATCH"]);

export function TestCall({ platformId, gateway }: { platformId: string; gateway: GatewayShown }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const ids = { route: useId(), path: useId(), body: useId(), user: useId(), key: useId(), keyHint: useId() };
  const [routeIndex, setRouteIndex] = useState(0);
  const route = gateway.routes[Math.min(routeIndex, gateway.routes.length - 1)];
  const method = routeMethod(route);
  const [path, setPath] = useState(() => samplePath(route));
  const [body, setBody] = useState(() => sampleBody(route));
  const [userId, setUserId] = useState("");
  const [key, setKey] = useState("");
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [sending, setSending] = useState(false);
  const chooseRoute = (index: number) => {
    const next = gateway.routes[index];
    setRouteIndex(index);
    setPath(samplePath(next));
    setBody(sampleBody(next));
  };
  const createKey = useMutation({
    mutationFn: async (endUser: string) =>
      unwrap(
        apiMulti.POST("/api/developer/users/{userId}/keys", {
          headers: bearer(await session.getToken()),
          params: { path: { userId: endUser } },
          body: { name: "dashboard test call" },
        }),
      ),
    onSuccess: async (created) => {
      setKey(created.apiKey);
      await queryClient.invalidateQueries({ queryKey: queryKeys.endUserKeys(session.userId, platformId, created.userId) });
    },
  });
  const url = `${gateway.gatewayUrl}${path.startsWith("/") ? path : `/${path}`}`;
  const sendsBody = TAKES_BODY.has(method) && body.trim() !== "";
  const send = async (event: FormEvent) => {
    event.preventDefault();
    setSending(true);
    setAnswer(null);
    const started = performance.now();
    try {
      const response = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${key.trim()}`, ...(sendsBody ? { "content-type": "application/json" } : {}) },
        body: sendsBody ? body : undefined,
      });
      const text = await response.text();
      const headers = READABLE_HEADERS.flatMap((name): [string, string][] => {
        const value = response.headers.get(name);
        return value === null ? [] : [[name, value]];
      });
      setAnswer({
        kind: "answer",
        status: response.status,
        statusText: response.statusText,
        ms: Math.round(performance.now() - started),
        headers,
        body: pretty(text),
        userId: createKey.data?.apiKey === key ? createKey.data.userId : "",
      });
    } catch {
      setAnswer({ kind: "unreachable", url });
    } finally {
      setSending(false);
    }
  };
  const onCreate = () => {
    const endUser = userId.trim();
    if (endUser) createKey.mutate(endUser);
  };
  return (
    <section className="card" aria-labelledby="test-call-title" id="test-call">
      <h2 id="test-call-title">Test call</h2>
      <p className="hint">
        A real call through your gateway from this browser, as one of your end users: it reaches your origin and is metered
        like any other.
      </p>
      <form onSubmit={send} className="test-call-form" aria-labelledby="test-call-title">
        <div className="field-grid">
          <div className="field">
            <label className="field-label" htmlFor={ids.route}>Route</label>
            <select id={ids.route} value={routeIndex} onChange={(e) => chooseRoute(Number(e.target.value))}>
              {gateway.routes.map((item, index) => (
                <option key={routeLabel(item)} value={index}>{routeLabel(item)}</option>
              ))}
            </select>
          </div>
          <div className="field wide-field">
            <label className="field-label" htmlFor={ids.path}>Path and query</label>
            <input id={ids.path} value={path} onChange={(e) => setPath(e.target.value)} spellCheck={false} required />
          </div>
        </div>
        {TAKES_BODY.has(method) && (
          <div className="field">
            <label className="field-label" htmlFor={ids.body}>Body (JSON, optional)</label>
            <textarea id={ids.body} className="code-editor" rows={Math.min(body.split("\n").length + 1, 8)} value={body} onChange={(e) => setBody(e.target.value)} spellCheck={false} />
          </div>
        )}
        <div className="field-grid">
          <div className="field">
            <label className="field-label" htmlFor={ids.user}>End user id</label>
            <div className="input-with-button">
              <input id={ids.user} value={userId} onChange={(e) => setUserId(e.target.value)} maxLength={128} placeholder="user_42" spellCheck={false} />
              <button type="button" className="secondary" data-testid="create-test-key" disabled={!userId.trim() || createKey.isPending} onClick={onCreate}>
                {createKey.isPending ? "Creating…" : "Create a key for them"}
              </button>
            </div>
          </div>
          <div className="field">
            <label className="field-label" htmlFor={ids.key}>Their key</label>
            <input
              id={ids.key}
              type="password"
              autoComplete="off"
              spellCheck={false}
              value={key}
              onChange={(e) => setKey(e.target.value)}
              placeholder="dream_user_…"
              aria-describedby={ids.keyHint}
              required
            />
            <span className="hint field-hint" id={ids.keyHint}>Create one, or paste a key of theirs.</span>
          </div>
        </div>
        <ErrorAlert error={createKey.error} testId="create-test-key-error" />
        {createKey.data && (
          <ShownOnce
            key={createKey.data.id}
            title={<>Copy the key of {createKey.data.userId} now: it is shown only once.</>}
            value={createKey.data.apiKey}
            testId="test-call-key"
            copyLabel={<>Copy<span className="visually-hidden"> the key</span></>}
            onHide={() => createKey.reset()}
          >
            <p>It is filled in above for this test, and listed (never shown again) on <Link to={`/dashboard/users/${encodeURIComponent(createKey.data.userId)}`}>their page</Link>, where you can revoke it.</p>
          </ShownOnce>
        )}
        <div className="actions">
          <button type="submit" data-testid="send-test-call" disabled={sending || !key.trim()}>
            {sending ? "Sending…" : `Send ${method} ${path.split("?")[0]}`}
          </button>
        </div>
      </form>
      <div aria-live="polite">
        {answer && <AnswerView answer={answer} />}
      </div>
      <h3>The same with curl</h3>
      <pre data-testid="test-call-curl">{`USER_KEY=dream_user_…   # the end user's key\n${curlLine(url, method, sendsBody ? body : "")}`}</pre>
    </section>
  );
}

function pretty(text: string): string {
  let shown = text;
  try {
    shown = JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    // not JSON: as it came
  }
  return shown.length > MAX_BODY_SHOWN ? `${shown.slice(0, MAX_BODY_SHOWN)}\n… (${shown.length - MAX_BODY_SHOWN} more characters)` : shown;
}

function AnswerView({ answer }: { answer: Answer }) {
  if (answer.kind === "unreachable") {
    return (
      <div className="error" role="alert" data-testid="test-call-unreachable">
        <p>
          This browser got no answer from <code>{answer.url}</code>: the gateway cannot be reached from here, or its CORS does not
          allow this page&apos;s origin (<code>{window.location.origin}</code>; the gateway allows the origins in its{" "}
          <code>ALLOWED_ORIGINS</code> and <code>FRONTEND_URL</code>). Run the curl line below instead.
        </p>
      </div>
    );
  }
  const ok = answer.status >= 200 && answer.status < 300;
  return (
    <div className="test-call-result" data-testid="test-call-result">
      <p>
        <span className={ok ? "status-ok" : "status-bad"} data-testid="test-call-status">{answer.status}{answer.statusText ? ` ${answer.statusText}` : ""}</span>{" "}
        in {answer.ms} ms{answer.userId && <> · <Link to={`/dashboard/users/${encodeURIComponent(answer.userId)}`}>{answer.userId}&apos;s page</Link></>}
      </p>
      {answer.headers.length > 0 && (
        <dl className="header-list" data-testid="test-call-headers">
          {answer.headers.map(([name, value]) => (
            <div key={name}><dt>{name}</dt><dd><code>{value}</code></dd></div>
          ))}
        </dl>
      )}
      <pre data-testid="test-call-body" tabIndex={0} aria-label="Answer body">{answer.body || "(empty body)"}</pre>
    </div>
  );
}
