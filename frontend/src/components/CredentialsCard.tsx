import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useSession } from "../auth/context";
import { bearer, frontAuthApi, unwrap, type FrontAuthReply } from "../client";
import { useToast } from "../dashboard/toast";
import { queryKeys } from "../hooks/queryKeys";
import { useCredentials } from "../hooks/useCredentials";
import { ErrorAlert, QueryStatus } from "./QueryStatus";

export type IssuedKey = FrontAuthReply<"post_generate_credentials"> | FrontAuthReply<"post_rotate_key">;

/** Generate the platform and its first key, or rotate that key; either way the key is in the
 * mutation's data, shown this once. */
export function useIssueKey() {
  const session = useSession();
  const queryClient = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: async (which: "generate" | "rotate"): Promise<IssuedKey> => {
      const headers = bearer(await session.getToken());
      return which === "generate"
        ? unwrap(frontAuthApi.POST("/generate-credentials", { headers }))
        : unwrap(frontAuthApi.POST("/rotate-key", { headers }));
    },
    onSuccess: async (_, which) => {
      toast(which === "generate" ? "Your platform and API key were created." : "The key was rotated: the old one no longer works.");
      // the platform's key list changed too (the key is one of them)
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: queryKeys.credentials(session.userId) }),
        queryClient.invalidateQueries({ queryKey: queryKeys.developer(session.userId) }),
      ]);
    },
  });
}

/** A key just issued: shown this once, with a copy button. */
export function ShownOnce({ apiKey }: { apiKey: string }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(apiKey);
      setCopied("Copied.");
    } catch {
      setCopied("Could not copy: select the key and copy it by hand.");
    }
  };
  return (
    <div className="secret" role="alert">
      <p><strong>Copy your API key now: it is shown only once.</strong></p>
      <code data-testid="api-key">{apiKey}</code>
      <div className="actions">
        <button onClick={copy}>Copy<span className="visually-hidden"> the API key</span></button>
        <span role="status">{copied}</span>
      </div>
    </div>
  );
}

/** The button that creates the platform and its first key. */
export function GenerateButton({ issue }: { issue: ReturnType<typeof useIssueKey> }) {
  return (
    <button data-testid="generate" disabled={issue.isPending} onClick={() => issue.mutate("generate")}>
      {issue.isPending ? "Creating your key…" : "Create my API key"}
    </button>
  );
}

/** The platform id and the default key's prefix; generate them once, rotate the key. */
export function CredentialsCard() {
  const credentials = useCredentials();
  const issue = useIssueKey();
  const shown = issue.data;
  const data = credentials.data;
  return (
    <section className="card" aria-labelledby="credentials-title">
      <h2 id="credentials-title">Platform and default key</h2>
      <QueryStatus query={credentials} loading="Loading credentials…" what="your credentials" />
      {shown && <ShownOnce apiKey={shown.apiKey} />}
      {data ? (
        <>
          <dl className="facts">
            <div><dt>Platform ID</dt><dd><code data-testid="platform-id">{data.platformId}</code></dd></div>
            <div><dt>Default key</dt><dd><code data-testid="key-prefix">{data.keyPrefix}…</code></dd></div>
          </dl>
          <button
            className="secondary"
            disabled={issue.isPending}
            onClick={() => window.confirm("Rotate the key? The current key stops working at once.") && issue.mutate("rotate")}
          >
            Rotate default key
          </button>
        </>
      ) : (
        data === null && (
          <>
            <p className="empty">No API key yet: create one to get your platform ID.</p>
            <GenerateButton issue={issue} />
          </>
        )
      )}
      <ErrorAlert error={issue.error} />
    </section>
  );
}
