import { useState } from "react";
import { useSession } from "../auth/context";
import { ApiError, call, type Credentials, type IssuedKey } from "../api";
import { config } from "../config";
import type { Loaded } from "../useLoad";

export function CredentialsCard({ credentials }: { credentials: Loaded<Credentials> }) {
  const session = useSession();
  const [shown, setShown] = useState<IssuedKey | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const issue = async (path: string) => {
    setError(null);
    try {
      setShown(await call<IssuedKey>(config.frontAuthApi, path, { method: "POST", token: await session.getToken() }));
      setCopied(false);
      credentials.reload();
    } catch (failure) {
      setError((failure as ApiError).message);
    }
  };
  const data = credentials.data;
  return (
    <section className="card" aria-labelledby="credentials-title">
      <h2 id="credentials-title">Credentials</h2>
      {credentials.loading && !data && <p role="status">Loading credentials…</p>}
      {credentials.error && <p className="error" role="alert">{credentials.error.message}</p>}
      {shown && (
        <div className="secret" role="alert">
          <p><strong>Copy your API key now: it is shown only once.</strong></p>
          <code data-testid="api-key">{shown.apiKey}</code>
          <button
            onClick={async () => {
              await navigator.clipboard?.writeText(shown.apiKey).catch(() => undefined);
              setCopied(true);
            }}
          >
            {copied ? "Copied" : "Copy"}
          </button>
        </div>
      )}
      {data ? (
        <>
          <p>Platform ID <code data-testid="platform-id">{data.platformId}</code></p>
          <p>API key <code data-testid="key-prefix">{data.keyPrefix}…</code></p>
          <button className="secondary" onClick={() => window.confirm("Rotate the key? The current key stops working at once.") && issue("/rotate-key")}>
            Rotate key
          </button>
        </>
      ) : (
        !credentials.loading && (
          <button data-testid="generate" onClick={() => issue("/generate-credentials")}>Generate platform ID and API key</button>
        )
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
