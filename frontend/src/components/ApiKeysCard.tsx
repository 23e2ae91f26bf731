import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { useSession } from "../auth/context";
import { apiMulti, bearer, unwrap, type ApiMultiReply } from "../client";
import { Field, FormErrorSummary } from "../dashboard/FormErrors";
import { formErrors, type FormErrors } from "../dashboard/fieldErrors";
import { useToast } from "../dashboard/toast";
import { queryKeys } from "../hooks/queryKeys";
import { ErrorAlert, QueryStatus } from "./QueryStatus";

type ApiKey = ApiMultiReply<"get_api_developer_keys">["keys"][number];
type NewApiKey = ApiMultiReply<"post_api_developer_keys">;
type RolledApiKey = ApiMultiReply<"post_api_developer_keys_keyId_roll">;

const GRACE_PERIODS = [
  { seconds: 0, label: "Now" },
  { seconds: 3600, label: "In 1 hour" },
  { seconds: 86400, label: "In 24 hours" },
];

const SHORT: Intl.DateTimeFormatOptions = { dateStyle: "medium", timeStyle: "short" };

type Status = "active" | "expired" | "revoked";
type Wanted = { name: string; expiresAt?: string };
type KeyAction =
  | { kind: "create"; wanted: Wanted }
  | { kind: "roll"; key: ApiKey; gracePeriodSeconds: number }
  | { kind: "revoke"; key: ApiKey };
type KeyOutcome = { kind: "issued"; key: NewApiKey | RolledApiKey } | { kind: "revoked"; key: ApiKey };

function statusOf(key: ApiKey): Status {
  if (key.revokedAt) return "revoked";
  if (key.expiresAt && Date.parse(key.expiresAt) <= Date.now()) return "expired";
  return "active";
}

function When({ at, dateOnly = false }: { at: string | null | undefined; dateOnly?: boolean }) {
  if (!at) return <>never</>;
  const when = new Date(at);
  const shown = dateOnly ? when.toLocaleDateString(undefined, { dateStyle: "medium" }) : when.toLocaleString(undefined, SHORT);
  return <time dateTime={at} title={at}>{shown}</time>;
}

/** The platform's API keys: create one (shown once), roll one with a grace period, revoke one. */
export function ApiKeysCard({ platformId }: { platformId: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const queryKey = queryKeys.apiKeys(session.userId, platformId);
  const keys = useQuery({
    queryKey,
    queryFn: async () => unwrap(apiMulti.GET("/api/developer/keys", { headers: bearer(await session.getToken()) })),
  });
  const toast = useToast();
  const [shown, setShown] = useState<NewApiKey | RolledApiKey | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => noticeRef.current?.focus(), [notice]);
  const change = useMutation({
    mutationFn: async (action: KeyAction): Promise<KeyOutcome> => {
      const headers = bearer(await session.getToken());
      switch (action.kind) {
        case "create":
          return { kind: "issued", key: await unwrap(apiMulti.POST("/api/developer/keys", { headers, body: action.wanted })) };
        case "roll":
          return {
            kind: "issued",
            key: await unwrap(
              apiMulti.POST("/api/developer/keys/{keyId}/roll", {
                headers,
                params: { path: { keyId: action.key.id } },
                body: { gracePeriodSeconds: action.gracePeriodSeconds },
              }),
            ),
          };
        case "revoke":
          await unwrap(apiMulti.DELETE("/api/developer/keys/{keyId}", { headers, params: { path: { keyId: action.key.id } } }));
          return { kind: "revoked", key: action.key };
      }
    },
    onMutate: () => setNotice(null),
    onSuccess: async (outcome, action) => {
      if (outcome.kind === "issued") {
        setShown(outcome.key);
        toast(action.kind === "roll" ? `“${outcome.key.name}” was rolled: copy the new key now.` : `Key “${outcome.key.name}” created: copy it now.`);
      } else {
        setShown((current) => (current?.id === outcome.key.id ? null : current));
        setNotice(`Revoked “${outcome.key.name}”: calls with it are refused.`);
      }
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  /** Whether the change went through (its error, if any, is shown below the list). */
  const act = async (action: KeyAction): Promise<boolean> => {
    try {
      await change.mutateAsync(action);
      return true;
    } catch {
      return false;
    }
  };
  const create = (wanted: Wanted) => act({ kind: "create", wanted });
  const roll = (key: ApiKey, gracePeriodSeconds: number) => act({ kind: "roll", key, gracePeriodSeconds });
  const revoke = (key: ApiKey) => act({ kind: "revoke", key });
  const lastAction = change.variables?.kind;
  const createErrors = formErrors(lastAction === "create" ? change.error : null, ["name", "expiresAt"]);
  const list = keys.data?.keys ?? [];
  const active = list.filter((key) => statusOf(key) === "active").length;
  const max = keys.data?.maxActiveKeys;
  const precision = keys.data?.lastUsedPrecisionSeconds;
  return (
    <section className="card" aria-labelledby="api-keys-title">
      <h2 id="api-keys-title">API keys</h2>
      <p className="hint">
        Give each server its own key, so one can be rolled or revoked without touching the others.
      </p>
      <QueryStatus query={keys} loading="Loading API keys…" what="API keys" />
      {shown && <ShownKey key={shown.id} issued={shown} onHide={() => setShown(null)} />}
      {notice && <p className="notice" role="status" tabIndex={-1} ref={noticeRef}>{notice}</p>}
      {keys.isSuccess && list.length === 0 && <p className="empty">No API keys yet: create one below.</p>}
      {list.length > 0 && (
        <div className="table-scroll">
          <table data-testid="api-keys">
            <caption className="hint">
              {max ? `${active} of ${max} active keys, newest first.` : "Newest first."}
              {precision ? ` Last use is recorded to within ${precision} seconds.` : ""}
            </caption>
            <thead>
              <tr>
                <th scope="col">Name</th><th scope="col">Key</th><th scope="col">Created</th><th scope="col">Last used</th>
                <th scope="col">Expires</th><th scope="col">Status</th><th scope="col"><span className="visually-hidden">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {list.map((key) => <KeyRow key={key.id} apiKey={key} onRoll={roll} onRevoke={revoke} />)}
            </tbody>
          </table>
        </div>
      )}
      {max !== undefined && active >= max && (
        <p className="hint">You have {max} active keys, the most allowed: revoke one to create another.</p>
      )}
      <ErrorAlert error={lastAction === "create" ? null : change.error} testId="api-key-error" />
      <CreateKeyForm onCreate={create} errors={createErrors} />
    </section>
  );
}

/** A key just issued (created or rolled): shown this once, with a copy button. */
function ShownKey({ issued, onHide }: { issued: NewApiKey | RolledApiKey; onHide: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  const copyButton = useRef<HTMLButtonElement>(null);
  useEffect(() => copyButton.current?.focus(), []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(issued.apiKey);
      setCopied("Copied");
    } catch {
      setCopied("Could not copy: select the key and copy it by hand.");
    }
  };
  const oldKeyUntil = "previousKey" in issued ? (issued.previousKey.expiresAt ?? null) : null;
  return (
    <div className="secret" role="alert" data-testid="new-key">
      <p><strong>Copy the key “{issued.name}” now: it is shown only once.</strong></p>
      <code data-testid="new-api-key">{issued.apiKey}</code>
      {issued.warning && <p data-testid="new-key-warning">{issued.warning}</p>}
      {oldKeyUntil && (
        <p data-testid="rolled-from">
          {Date.parse(oldKeyUntil) <= Date.now() ? (
            "The old key no longer works."
          ) : (
            <>The old key keeps working until <When at={oldKeyUntil} />.</>
          )}
        </p>
      )}
      <div className="actions">
        <button ref={copyButton} onClick={copy}>Copy key</button>
        <button className="secondary" onClick={onHide}>Hide key</button>
        <span role="status" data-testid="copy-status">{copied}</span>
      </div>
    </div>
  );
}

type Step = "roll" | "revoke";

/** One key's row; an active key's Roll and Revoke each open a confirm step in the row below. */
function KeyRow({
  apiKey,
  onRoll,
  onRevoke,
}: {
  apiKey: ApiKey;
  onRoll: (key: ApiKey, gracePeriodSeconds: number) => Promise<boolean>;
  onRevoke: (key: ApiKey) => Promise<boolean>;
}) {
  const status = statusOf(apiKey);
  const [step, setStep] = useState<Step | null>(null);
  const [grace, setGrace] = useState(0);
  const [busy, setBusy] = useState(false);
  const stepId = useId();
  const openers = { roll: useRef<HTMLButtonElement>(null), revoke: useRef<HTMLButtonElement>(null) };
  const refocus = useRef<Step | null>(null);
  useEffect(() => {
    if (step === null && refocus.current) openers[refocus.current].current?.focus();
    refocus.current = null;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [step]);
  const open = (wanted: Step) => setStep(step === wanted ? null : wanted);
  const cancel = () => {
    refocus.current = step;
    setStep(null);
  };
  const confirm = async () => {
    setBusy(true);
    const done = step === "roll" ? await onRoll(apiKey, grace) : await onRevoke(apiKey);
    setBusy(false);
    if (done) setStep(null);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Escape") cancel();
  };
  const shownPrefix = apiKey.prefix.endsWith("…") ? apiKey.prefix : `${apiKey.prefix}…`;
  return (
    <>
      <tr data-testid="api-key-row">
        <th scope="row">{apiKey.name}</th>
        <td><code>{shownPrefix}</code></td>
        <td><When at={apiKey.createdAt} dateOnly /></td>
        <td data-testid="key-last-used"><When at={apiKey.lastUsedAt} /></td>
        <td data-testid="key-expires"><When at={apiKey.expiresAt} /></td>
        <td data-testid="key-status" className={`key-status ${status}`}>{status}</td>
        <td>
          {status === "active" && (
            <span className="key-actions">
              <button
                className="link"
                ref={openers.roll}
                aria-expanded={step === "roll"}
                aria-controls={step === "roll" ? stepId : undefined}
                onClick={() => open("roll")}
              >
                Roll<span className="visually-hidden"> {apiKey.name}</span>
              </button>
              <button
                className="link"
                ref={openers.revoke}
                aria-expanded={step === "revoke"}
                aria-controls={step === "revoke" ? stepId : undefined}
                onClick={() => open("revoke")}
              >
                Revoke<span className="visually-hidden"> {apiKey.name}</span>
              </button>
            </span>
          )}
        </td>
      </tr>
      {step && status === "active" && (
        <tr className="key-step">
          <td colSpan={7} id={stepId} onKeyDown={onKeyDown}>
            <div className="key-step-body">
              {step === "revoke" ? (
                <p>Revoke “{apiKey.name}”? Calls with it are refused from now on; this cannot be undone.</p>
              ) : (
                <>
                  <p>Roll “{apiKey.name}”: a new key replaces it and is shown once. Give your servers time to switch over.</p>
                  <label htmlFor={`${stepId}-grace`}>“{apiKey.name}” stops working </label>
                  <select id={`${stepId}-grace`} autoFocus value={grace} onChange={(e) => setGrace(Number(e.target.value))}>
                    {GRACE_PERIODS.map((period) => (
                      <option key={period.seconds} value={period.seconds}>{period.label}</option>
                    ))}
                  </select>
                </>
              )}
              <div className="actions">
                <button disabled={busy} onClick={confirm}>
                  {step === "revoke" ? "Yes, revoke" : "Yes, roll"}<span className="visually-hidden"> {apiKey.name}</span>
                </button>
                <button className="secondary" autoFocus={step === "revoke"} onClick={cancel}>Cancel</button>
              </div>
            </div>
          </td>
        </tr>
      )}
    </>
  );
}

/** The name, and an optional last day: the key expires at the end of that day, the user's time. */
function CreateKeyForm({ onCreate, errors }: { onCreate: (wanted: Wanted) => Promise<boolean>; errors: FormErrors }) {
  const [name, setName] = useState("");
  const [lastDay, setLastDay] = useState("");
  const [busy, setBusy] = useState(false);
  const hintId = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const wanted: Wanted = { name: name.trim() };
    if (lastDay) wanted.expiresAt = endOfDay(lastDay);
    const created = await onCreate(wanted);
    setBusy(false);
    if (created) {
      setName("");
      setLastDay("");
    }
  };
  return (
    <form onSubmit={submit} className="endpoint-form" aria-labelledby="create-key-title">
      <h3 id="create-key-title">Create a key</h3>
      <Field errors={errors} path="name" label="Key name">
        {(props) => <input value={name} onChange={(e) => setName(e.target.value)} maxLength={64} placeholder="e.g. ci server" required {...props} />}
      </Field>
      <Field errors={errors} path="expiresAt" label="Last day (optional)" hintId={hintId}>
        {(props) => <input type="date" value={lastDay} min={localDate(new Date())} onChange={(e) => setLastDay(e.target.value)} {...props} />}
      </Field>
      <p className="hint" id={hintId}>The key stops working at the end of that day, your time; leave it empty for a key that does not expire.</p>
      <FormErrorSummary errors={errors} what="Key" testId="create-key-error" />
      <button type="submit" data-testid="create-key" disabled={busy}>{busy ? "Creating…" : "Create key"}</button>
    </form>
  );
}

/** "YYYY-MM-DD" of a date in the user's time zone (what a date input holds). */
function localDate(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/** The end of a "YYYY-MM-DD" day in the user's time zone, as an ISO-8601 UTC instant (no milliseconds). */
function endOfDay(day: string): string {
  const [year, month, date] = day.split("-").map(Number);
  return new Date(year, month - 1, date + 1).toISOString().replace(/\.\d{3}Z$/, "Z");
}
