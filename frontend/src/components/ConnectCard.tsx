import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useSession } from "../auth/context";
import { ApiError, bearer, oauthApi, unwrap } from "../client";
import { config } from "../config";
import { useConnections } from "../dashboard/queries";
import { rememberReturn } from "../dashboard/returns";
import { useToast } from "../dashboard/toast";
import { queryKeys } from "../hooks/queryKeys";
import { ErrorAlert, QueryStatus } from "./QueryStatus";

type Provider = "stripe" | "github";
const NAMES: Record<Provider, string> = { stripe: "Stripe", github: "GitHub" };

/** Leaves for the provider's consent page (a one-time ticket stands in for the session token on the
 * redirect); the browser comes back to the page it left from. */
export function useConnect() {
  const session = useSession();
  return useMutation({
    mutationFn: async (provider: Provider) => {
      const { ticket } = await unwrap(oauthApi.POST("/connect/ticket", { headers: bearer(await session.getToken()) }));
      return { provider, ticket };
    },
    // a ticket is single-use and short-lived: asking again when storage was busy (503, Retry-After)
    // is safe
    retry: (failures, error) => failures < 2 && error instanceof ApiError && error.status === 503,
    retryDelay: 2000,
    onSuccess: ({ provider, ticket }) => {
      rememberReturn();
      window.location.assign(`${config.oauthApi}/${provider}/connect?ticket=${encodeURIComponent(ticket)}`);
    },
  });
}

/** The developer's Stripe and GitHub connections: connect (the provider's consent page) or
 * disconnect. */
export function ConnectCard() {
  const session = useSession();
  const queryClient = useQueryClient();
  const toast = useToast();
  const status = useConnections();
  const connect = useConnect();
  const [confirming, setConfirming] = useState<Provider | null>(null);
  const disconnect = useMutation({
    mutationFn: async (provider: Provider) => {
      const headers = bearer(await session.getToken());
      return provider === "stripe"
        ? unwrap(oauthApi.POST("/stripe/disconnect", { headers }))
        : unwrap(oauthApi.POST("/github/disconnect", { headers }));
    },
    onSuccess: async (_, provider) => {
      setConfirming(null);
      toast(`${NAMES[provider]} is disconnected.`);
      await queryClient.invalidateQueries({ queryKey: queryKeys.connections(session.userId) });
    },
  });
  const data = status.data;
  const disconnectStep = (provider: Provider) =>
    confirming === provider ? (
      <span className="inline-confirm">
        {provider === "stripe" ? "Your users can no longer pay until you connect again." : "Your GitHub login is removed."}{" "}
        <button className="secondary" disabled={disconnect.isPending} onClick={() => disconnect.mutate(provider)}>
          Yes, disconnect {NAMES[provider]}
        </button>{" "}
        <button className="link" onClick={() => setConfirming(null)}>Cancel</button>
      </span>
    ) : (
      <button className="link" onClick={() => setConfirming(provider)}>Disconnect<span className="visually-hidden"> {NAMES[provider]}</span></button>
    );
  return (
    <section className="card" aria-labelledby="connect-title">
      <h2 id="connect-title">Connections</h2>
      <QueryStatus query={status} loading="Loading connections…" what="connections" />
      {data && (
        <ul className="connections">
          <li>
            <strong>Stripe</strong>: your end users pay you through your own account.{" "}
            {data.stripe.connected ? (
              <>
                <span data-testid="stripe-connected">connected ({data.stripe.accountId})</span> {disconnectStep("stripe")}
              </>
            ) : (
              <>
                {data.stripe.onboardingPending && <span className="hint">Onboarding is not finished yet. </span>}
                <button data-testid="connect-stripe" disabled={connect.isPending} onClick={() => connect.mutate("stripe")}>
                  Connect Stripe
                </button>
              </>
            )}
          </li>
          <li>
            <strong>GitHub</strong>: your account&apos;s login.{" "}
            {data.github.connected ? (
              <>
                <span data-testid="github-connected">connected as {data.github.login}</span> {disconnectStep("github")}
              </>
            ) : (
              <button className="secondary" disabled={connect.isPending} onClick={() => connect.mutate("github")}>
                Connect GitHub
              </button>
            )}
          </li>
        </ul>
      )}
      <ErrorAlert error={connect.error ?? disconnect.error} />
    </section>
  );
}
