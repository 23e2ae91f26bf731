import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useSession } from "../auth/context";
import { bearer, frontAuthApi, unwrap, type FrontAuthReply } from "../client";
import { queryKeys } from "../hooks/queryKeys";
import { useCredentials } from "../hooks/useCredentials";
import { ErrorAlert, QueryStatus } from "./QueryStatus";

type IssuedKey = FrontAuthReply<"post_generate_credentials"> | FrontAuthReply<"post_rotate_key">;

/** The platform id and key prefix; generate them once, rotate the key (shown once each time). */
export function CredentialsCard() {
  const session = useSession();
  const queryClient = useQueryClient();
  const credentials = useCredentials();
  const [copied, setCopied] = useState(false);
  const issue = useMutation({
    mutationFn: async (which: "generate" | "rotate"): Promise<IssuedKey> => {
      const headers = bearer(await session.getToken());
      return which === "generate"
        ? unwrap(frontAuthApi.POST("/generate-credentials", { headers }))
        : unwrap(frontAuthApi.POST("/rotate-key", { headers }));
    },
    onSuccess: async () => {
      setCopied(false);
      // the platform's key list changed too (the key is one of them)
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.credentials(session.userId) }),
        queryClient.invalidateQueries({ queryKey: queryKeys.developer(session.userId) }),
      ]);
    },
  });
  const shown = issue.data;
  const data = credentials.data;
  return (
    <section className="card" aria-labelledby="credentials-title">
      <h2 id="credentials-title">Credentials</h2>
      <QueryStatus query={credentials} loading="Loading credentials…" what="your credentials" />
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
          <button
            className="secondary"
            disabled={issue.isPending}
            onClick={() => window.confirm("Rotate the key? The current key stops working at once.") && issue.mutate("rotate")}
          >
            Rotate key
          </button>
        </>
      ) : (
        data === null && (
          <>
            <p className="empty">No credentials yet.</p>
            <button data-testid="generate" disabled={issue.isPending} onClick={() => issue.mutate("generate")}>
              Generate platform ID and API key
            </button>
          </>
        )
      )}
      <ErrorAlert error={issue.error} />
    </section>
  );
}
