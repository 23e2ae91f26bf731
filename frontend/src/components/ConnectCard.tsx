import { useState } from "react";
import { useSession } from "../auth/context";
import { ApiError, call, type ConnectionStatus } from "../api";
import { config } from "../config";
import { useLoad } from "../useLoad";

export function ConnectCard() {
  const session = useSession();
  const status = useLoad(
    async () => call<ConnectionStatus>(config.oauthApi, "/status", { token: await session.getToken() }),
    [session.userId],
  );
  const [error, setError] = useState<string | null>(null);
  const connect = async (provider: "stripe" | "github") => {
    setError(null);
    try {
      const { ticket } = await call<{ ticket: string }>(config.oauthApi, "/connect/ticket", { method: "POST", token: await session.getToken() });
      window.location.assign(`${config.oauthApi}/${provider}/connect?ticket=${encodeURIComponent(ticket)}`);
    } catch (failure) {
      setError((failure as ApiError).message);
    }
  };
  const data = status.data;
  return (
    <section className="card" aria-labelledby="connect-title">
      <h2 id="connect-title">Connections</h2>
      {status.loading && !data && <p role="status">Loading connections…</p>}
      {status.error && <p className="error" role="alert">{status.error.message}</p>}
      {data && (
        <ul className="connections">
          <li>
            Stripe:{" "}
            {data.stripe.connected ? (
              <strong data-testid="stripe-connected">connected ({data.stripe.accountId})</strong>
            ) : (
              <button data-testid="connect-stripe" onClick={() => connect("stripe")}>Connect Stripe</button>
            )}
          </li>
          <li>
            GitHub:{" "}
            {data.github.connected ? (
              <strong>connected as {data.github.login}</strong>
            ) : (
              <button className="secondary" onClick={() => connect("github")}>Connect GitHub</button>
            )}
          </li>
        </ul>
      )}
      {error && <p className="error" role="alert">{error}</p>}
    </section>
  );
}
