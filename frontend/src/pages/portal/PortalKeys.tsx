// The signed-in end user's own API keys (dream_user_…) in the portal, with their session token:
// list, create with a name (shown once, with a copy button), revoke (asked first). A key calls the
// provider's API (their gateway, /api/usage) as this end user.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import type { Session } from "../../auth/context";
import { apiMulti, bearer, unwrap, type ApiMultiReply } from "../../client";
import { useConfirmStep } from "../../hooks/useConfirmStep";
import { count, problem } from "./model";

type Key = ApiMultiReply<"get_api_keys">["keys"][number];
type NewKey = ApiMultiReply<"post_api_keys">;

function statusOf(key: Key): "active" | "expired" | "revoked" {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && Date.parse(key.expiresAt) <= Date.now()) return "expired";
  return "active";
}

const when = (at: string | null) => (at ? new Date(at).toLocaleString("en-US", { dateStyle: "medium", timeStyle: "short" }) : "never");

export function PortalKeys({ platformId, session }: { platformId: string; session: Session }) {
  const queryClient = useQueryClient();
  const queryKey = ["portal", "keys", platformId, session.userId];
  const keys = useQuery({
    queryKey,
    queryFn: async () => unwrap(apiMulti.GET("/api/keys", { headers: bearer(await session.getToken()) })),
  });
  const [shown, setShown] = useState<NewKey | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [name, setName] = useState("");
  const nameId = useId();
  const create = useMutation({
    mutationFn: async (wanted: string) =>
      unwrap(apiMulti.POST("/api/keys", { headers: bearer(await session.getToken()), body: { name: wanted } })),
    onMutate: () => {
      setNotice(null);
      revoke.reset();
    },
    onSuccess: async (created) => {
      setShown(created);
      setName("");
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const revoke = useMutation({
    mutationFn: async (key: Key) =>
      unwrap(apiMulti.DELETE("/api/keys/{keyId}", { headers: bearer(await session.getToken()), params: { path: { keyId: key.id } } })),
    onMutate: () => create.reset(),
    onSuccess: async (revoked) => {
      setShown((current) => (current?.id === revoked.id ? null : current));
      setNotice(`“${revoked.name}” is revoked: calls with it are refused.`);
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(name.trim());
  };
  const list = keys.data?.keys ?? [];
  const active = list.filter((key) => statusOf(key) === "active").length;
  const max = keys.data?.maxActiveKeys ?? 10;
  return (
    <section className="portal-card" aria-labelledby="portal-keys-title">
      <h2 id="portal-keys-title">Your API keys</h2>
      <p className="portal-hint">
        Call this provider&apos;s API with a key of your own: <code>Authorization: Bearer dream_user_…</code>. Its calls count
        as yours. Give each app or machine its own key, so one can be revoked alone.
      </p>
      {keys.isPending && <p role="status">Loading your keys…</p>}
      {keys.isError && (
        <p className="portal-error" role="alert">
          Your keys could not be loaded: {problem(keys.error)}
        </p>
      )}
      {shown && <ShownKey key={shown.id} created={shown} onHide={() => setShown(null)} />}
      {notice && (
        <p className="portal-success" role="status">
          {notice}
        </p>
      )}
      {keys.isSuccess && list.length === 0 && <p className="portal-empty">No keys yet.</p>}
      {list.length > 0 && (
        <ul className="portal-keys" data-testid="portal-keys">
          {list.map((key) => (
            <KeyItem key={key.id} userKey={key} busy={revoke.isPending} onRevoke={() => revoke.mutateAsync(key).then(() => true, () => false)} />
          ))}
        </ul>
      )}
      {revoke.error && (
        <p className="portal-error" role="alert">
          {problem(revoke.error)}
        </p>
      )}
      <form className="portal-key-form" onSubmit={submit} aria-label="Create a key">
        <label htmlFor={nameId}>New key&apos;s name</label>
        <div className="portal-key-form-row">
          <input id={nameId} value={name} onChange={(e) => setName(e.target.value)} maxLength={64} placeholder="e.g. laptop" required />
          <button type="submit" data-testid="portal-create-key" disabled={create.isPending || active >= max}>
            {create.isPending ? "Creating…" : "Create key"}
          </button>
        </div>
        <p className="portal-hint">
          {count(active)} of {count(max)} active keys.
        </p>
      </form>
      {create.error && (
        <p className="portal-error" role="alert" data-testid="portal-key-error">
          {problem(create.error)}
        </p>
      )}
    </section>
  );
}

function ShownKey({ created, onHide }: { created: NewKey; onHide: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copyButton = useRef<HTMLButtonElement>(null);
  useEffect(() => copyButton.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(created.apiKey);
      setCopied("Copied.");
    } catch {
      setCopied("Could not copy: select the key and copy it by hand.");
    }
  };
  return (
    <div className="portal-warning portal-shown-key" role="alert" data-testid="portal-new-key-box">
      <p>Copy your key “{created.name}” now: it is shown only once and cannot be shown again.</p>
      <code data-testid="portal-new-key">{created.apiKey}</code>
      <div className="portal-actions">
        <button type="button" ref={copyButton} onClick={copy}>
          Copy<span className="visually-hidden"> the key</span>
        </button>
        <button type="button" className="portal-secondary" onClick={onHide}>
          Hide
        </button>
        <span role="status">{copied}</span>
      </div>
    </div>
  );
}

function KeyItem({ userKey, busy, onRevoke }: { userKey: Key; busy: boolean; onRevoke: () => Promise<boolean> }) {
  const status = statusOf(userKey);
  const { asking, yes, opener, ask, done, cancel } = useConfirmStep();
  return (
    <li className="portal-key" data-testid="portal-key">
      <div className="portal-key-about">
        <strong>{userKey.name}</strong> <code>{userKey.prefix}…</code>{" "}
        <span className={`portal-key-status ${status}`} data-testid="portal-key-status">
          {status}
        </span>
        <p className="portal-hint">
          Created {when(userKey.createdAt)} · last used {when(userKey.lastUsedAt)}
          {userKey.revokedAt ? ` · revoked ${when(userKey.revokedAt)}` : ""}
        </p>
      </div>
      {status === "active" && !asking && (
        <button type="button" className="portal-secondary" ref={opener} onClick={ask}>
          Revoke<span className="visually-hidden"> {userKey.name}</span>
        </button>
      )}
      {status === "active" && asking && (
        <div className="portal-key-confirm" onKeyDown={(e) => e.key === "Escape" && cancel()}>
          <p>Revoke “{userKey.name}”? Calls with it are refused from now on.</p>
          <div className="portal-actions">
            <button type="button" ref={yes} disabled={busy} onClick={async () => (await onRevoke()) && done()}>
              Yes, revoke<span className="visually-hidden"> {userKey.name}</span>
            </button>
            <button type="button" className="portal-secondary" onClick={cancel}>
              Cancel
            </button>
          </div>
        </div>
      )}
    </li>
  );
}
