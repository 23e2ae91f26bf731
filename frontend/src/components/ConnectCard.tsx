import { useMutation, useQuery } from "@tanstack/react-query";
import { useSession } from "../auth/context";
import { bearer, oauthApi, unwrap } from "../client";
import { config } from "../config";
import { queryKeys } from "../hooks/queryKeys";
import { ErrorAlert, QueryStatus } from "./QueryStatus";

type Provider = "stripe" | "github";

/** The developer's Stripe and GitHub connections; connecting leaves for the provider's consent. */
export function ConnectCard() {
  const session = useSession();
  const status = useQuery({
    queryKey: queryKeys.connections(session.userId),
    queryFn: async () => unwrap(oauthApi.GET("/status", { headers: bearer(await session.getToken()) })),
  });
  // a one-time ticket stands in for the session token on the provider's redirect
  const connect = useMutation({
    mutationFn: async (provider: Provider) => {
      const { ticket } = await unwrap(oauthApi.POST("/connect/ticket", { headers: bearer(await session.getToken()) }));
      return { provider, ticket };
    },
    onSuccess: ({ provider, ticket }) =>
      window.location.assign(`${config.oauthApi}/${provider}/connect?ticket=${encodeURIComponent(ticket)}`),
  });
  const data = status.data;
  return (
    <section className="card" aria-labelledby="connect-title">
      <h2 id="connect-title">Connections</h2>
      <QueryStatus query={status} loading="Loading connections…" what="connections" />
      {data && (
        <ul className="connections">
          <li>
            Stripe:{" "}
            {data.stripe.connected ? (
              <strong data-testid="stripe-connected">connected ({data.stripe.accountId})</strong>
            ) : (
              <button data-testid="connect-stripe" disabled={connect.isPending} onClick={() => connect.mutate("stripe")}>
                Connect Stripe
              </button>
            )}
          </li>
          <li>
            GitHub:{" "}
            {data.github.connected ? (
              <strong>connected as {data.github.login}</strong>
            ) : (
              <button className="secondary" disabled={connect.isPending} onClick={() => connect.mutate("github")}>
                Connect GitHub
              </button>
            )}
          </li>
        </ul>
      )}
      <ErrorAlert error={connect.error} />
    </section>
  );
}
