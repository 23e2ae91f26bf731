// One end user's own keys (dream_user_…), as their developer manages them: list, create with a
// name (the key is shown once), revoke. A key names its end user: it calls the gateway, /api/data,
// /api/usage and /api/reservations as them, without X-User-Id.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { useSession } from "../auth/context";
import { apiMulti, bearer, unwrap, type ApiMultiReply } from "../client";
import { Field, FormErrorSummary } from "../dashboard/FormErrors";
import { formErrors } from "../dashboard/fieldErrors";
import { ShownOnce } from "../dashboard/ShownOnce";
import { useToast } from "../dashboard/toast";
import { queryKeys } from "../hooks/queryKeys";
import { useConfirmStep } from "../hooks/useConfirmStep";
import { ErrorAlert, QueryStatus } from "./QueryStatus";

export type UserKey = ApiMultiReply<"get_api_developer_users_userId_keys">["keys"][number];
type NewUserKey = ApiMultiReply<"post_api_developer_users_userId_keys">;

export function keyStatus(key: UserKey): "active" | "expired" | "revoked" {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && Date.parse(key.expiresAt) <= Date.now()) return "expired";
  return "active";
}

export function shortWhen(at: string | null | undefined): string {
  return at ? new Date(at).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" }) : "never";
}

export function EndUserKeysCard({ platformId, userId }: { platformId: string; userId: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const toast = useToast();
  const queryKey = queryKeys.endUserKeys(session.userId, platformId, userId);
  const keys = useQuery({
    queryKey,
    queryFn: async () =>
      unwrap(apiMulti.GET("/api/developer/users/{userId}/keys", { headers: bearer(await session.getToken()), params: { path: { userId } } })),
  });
  const [shown, setShown] = useState<NewUserKey | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: async (name: string) =>
      unwrap(
        apiMulti.POST("/api/developer/users/{userId}/keys", {
          headers: bearer(await session.getToken()),
          params: { path: { userId } },
          body: { name },
        }),
      ),
    onMutate: () => {
      revoke.reset();
      setNotice(null);
    },
    onSuccess: async (created) => {
      setShown(created);
      toast(`Key “${created.name}” created for ${userId}: copy it now.`);
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const revoke = useMutation({
    mutationFn: async (key: UserKey) =>
      unwrap(
        apiMulti.DELETE("/api/developer/users/{userId}/keys/{keyId}", {
          headers: bearer(await session.getToken()),
          params: { path: { userId, keyId: key.id } },
        }),
      ),
    onMutate: () => create.reset(),
    onSuccess: async (revoked) => {
      setShown((current) => (current?.id === revoked.id ? null : current));
      setNotice(`Revoked “${revoked.name}”: calls with it are refused.`);
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const list = keys.data?.keys ?? [];
  const active = list.filter((key) => keyStatus(key) === "active").length;
  const max = keys.data?.maxActiveKeys;
  return (
    <section className="card" aria-labelledby="user-keys-title" id="keys">
      <h2 id="user-keys-title">Their keys</h2>
      <p className="hint">
        Keys of this end user&apos;s own, for your <Link to="/dashboard/gateway">gateway</Link> (or <code>/api/usage</code>): a key
        names them, so calls with it need no <code>X-User-Id</code>. They can manage theirs in your portal too.
      </p>
      <QueryStatus query={keys} loading="Loading their keys…" what="their keys" />
      {shown && (
        <ShownOnce
          key={shown.id}
          title={<>Copy the key “{shown.name}” of {shown.userId} now: it is shown only once.</>}
          value={shown.apiKey}
          testId="new-user-key"
          copyLabel={<>Copy<span className="visually-hidden"> the key</span></>}
          onHide={() => setShown(null)}
        />
      )}
      {notice && <p className="notice" role="status">{notice}</p>}
      {keys.isSuccess && list.length === 0 && <p className="empty">No keys yet: create one below and hand it to them.</p>}
      {list.length > 0 && (
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Their keys">
          <table data-testid="user-keys">
            <caption className="hint">{max ? `${active} of ${max} active keys, newest first.` : "Newest first."}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th><th scope="col">Key</th><th scope="col">Created</th><th scope="col">Last used</th>
                <th scope="col">Status</th><th scope="col"><span className="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {list.map((key) => (
                <KeyRow key={key.id} userKey={key} busy={revoke.isPending} onRevoke={() => revoke.mutateAsync(key).then(() => true, () => false)} />
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorAlert error={revoke.error} testId="user-key-error" />
      <CreateForm
        pending={create.isPending}
        error={create.error}
        full={max !== undefined && active >= max}
        onCreate={(name) => create.mutateAsync(name).then(() => true, () => false)}
      />
    </section>
  );
}

function KeyRow({ userKey, busy, onRevoke }: { userKey: UserKey; busy: boolean; onRevoke: () => Promise<boolean> }) {
  const status = keyStatus(userKey);
  const { asking, yes, opener, ask, done, cancel } = useConfirmStep();
  return (
    <tr data-testid="user-key-row">
      <th scope="row">{userKey.name}</th>
      <td><code>{userKey.prefix}…</code></td>
      <td>{shortWhen(userKey.createdAt)}</td>
      <td data-testid="user-key-last-used">{shortWhen(userKey.lastUsedAt)}</td>
      <td data-testid="user-key-status" className={`key-status ${status}`}>{status}</td>
      <td>
        {status === "active" && !asking && (
          <button className="link" ref={opener} onClick={ask}>
            Revoke<span className="visually-hidden"> {userKey.name}</span>
          </button>
        )}
        {status === "active" && asking && (
          <span className="inline-confirm" onKeyDown={(e) => e.key === "Escape" && cancel()}>
            <button ref={yes} disabled={busy} onClick={async () => (await onRevoke()) && done()}>
              Yes, revoke<span className="visually-hidden"> {userKey.name}</span>
            </button>
            <button className="secondary" onClick={cancel}>Cancel</button>
          </span>
        )}
      </td>
    </tr>
  );
}

function CreateForm({
  pending,
  error,
  full,
  onCreate,
}: {
  pending: boolean;
  error: unknown;
  full: boolean;
  onCreate: (name: string) => Promise<boolean>;
}) {
  const [name, setName] = useState("");
  const errors = formErrors(error, ["name"], { too_many_keys: "name" });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await onCreate(name.trim())) setName("");
  };
  return (
    <form className="inline-form" onSubmit={submit} aria-label="Create a key for this end user">
      <Field errors={errors} path="name" label="New key's name">
        {(props) => <input value={name} onChange={(e) => setName(e.target.value)} maxLength={64} placeholder="e.g. laptop" required {...props} />}
      </Field>
      <button type="submit" data-testid="create-user-key" disabled={pending || full}>{pending ? "Creating…" : "Create key"}</button>
      <FormErrorSummary errors={errors} what="Key" testId="create-user-key-error" />
      {full && <p className="hint">They have the most active keys allowed: revoke one to create another.</p>}
    </form>
  );
}
