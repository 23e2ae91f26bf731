// The gateway's config as JSON in a textarea, the values of its secret headers in fields of their
// own below it (write-only: the API shows ******** for each, never the value, and has no way to
// keep an old one, so every save asks for them again), and beside it the API's problems with a
// config it refused (nothing is stored then) or, until there are any, a short reference.
import { useId, useMemo, useState, type FormEvent } from "react";
import { ApiError, type ApiMultiReply } from "../client";
import { errorMessage } from "../hooks/errors";
import { configText, headerSlots, MASK, parseConfig, withHeaderValues, type EditableConfig, type HeaderSlot } from "./model";
import { useSaveGateway } from "./queries";

export type SavedGateway = ApiMultiReply<"put_api_developer_gateway">;

export function ConfigEditor({
  platformId,
  initial,
  running,
  onSaved,
  onCancel,
  focus = false,
}: {
  platformId: string;
  initial: EditableConfig;
  /** whether a config is stored already (a refused one leaves it running) */
  running: boolean;
  onSaved: (saved: SavedGateway) => void;
  onCancel?: () => void;
  /** take the focus when shown (opened by a button) */
  focus?: boolean;
}) {
  const [text, setText] = useState(() => configText(initial));
  const [values, setValues] = useState<Record<string, string>>({});
  const [local, setLocal] = useState<{ message: string; missing: string[] } | null>(null);
  const save = useSaveGateway(platformId);
  const ids = { editor: useId(), hint: useId(), problems: useId(), headersHint: useId() };
  const parsed = useMemo(() => parseConfig(text), [text]);
  const slots = parsed.ok ? headerSlots(parsed.value) : [];
  const problems = save.error instanceof ApiError && Array.isArray(save.error.body.problems) ? save.error.body.problems.map(String) : null;
  const failure = local?.message ?? (save.error && !problems ? errorMessage(save.error) : null);
  const invalid = problems !== null || failure !== null;
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.reset();
    if (!parsed.ok) {
      setLocal({ message: `${parsed.error} Nothing was sent.`, missing: [] });
      return;
    }
    const missing = slots.filter((slot) => !(values[slot.id] ?? "").length);
    if (missing.length > 0) {
      const names = missing.map((slot) => slotName(slot)).join(", ");
      setLocal({
        message: `Enter the value of ${names} below the editor: header values are never shown again, so every save needs them. Nothing was sent.`,
        missing: missing.map((slot) => slot.id),
      });
      return;
    }
    setLocal(null);
    save.mutate(withHeaderValues(parsed.value, values), {
      onSuccess: (saved) => {
        setValues({});
        onSaved(saved);
      },
    });
  };
  const lines = text.split("\n").length;
  return (
    <form className="gateway-editor" onSubmit={submit} aria-label="Gateway config" noValidate>
      <div className="gateway-editor-main">
        <label className="field-label" htmlFor={ids.editor}>Config (JSON)</label>
        <textarea
          id={ids.editor}
          data-testid="gateway-config"
          className="code-editor"
          value={text}
          onChange={(e) => setText(e.target.value)}
          rows={Math.min(Math.max(lines + 1, 8), 18)}
          spellCheck={false}
          autoFocus={focus}
          autoCapitalize="off"
          autoCorrect="off"
          aria-invalid={invalid || undefined}
          aria-describedby={[invalid ? ids.problems : null, ids.hint].filter(Boolean).join(" ")}
        />
        <p className="hint" id={ids.hint}>
          <code>upstream</code> (https), <code>upstreamHeaders</code> the gateway adds (secret), <code>routes</code> with
          what each call costs. Where a header value is <code>{MASK}</code>, enter it below.
        </p>
        {slots.length > 0 && (
          <fieldset className="header-values" data-testid="header-values">
            <legend>Header values (write-only)</legend>
            <p className="hint" id={ids.headersHint}>
              dream-api stores these encrypted and never shows them again, not even to you, and a save replaces
              them: enter each one every time you save.
            </p>
            {slots.map((slot) => (
              <HeaderValue
                key={slot.id}
                slot={slot}
                value={values[slot.id] ?? ""}
                missing={local?.missing.includes(slot.id) ?? false}
                hintId={ids.headersHint}
                onChange={(value) => setValues((all) => ({ ...all, [slot.id]: value }))}
              />
            ))}
          </fieldset>
        )}
        <div className="actions">
          <button type="submit" data-testid="save-gateway" disabled={save.isPending}>{save.isPending ? "Saving…" : "Save config"}</button>
          {onCancel && <button type="button" className="secondary" onClick={onCancel}>Cancel</button>}
        </div>
      </div>
      <div className="gateway-editor-side">
        {invalid ? (
          <div className="error form-errors gateway-problems" role="alert" id={ids.problems} data-testid="gateway-problems">
            {problems ? (
              <>
                <p>
                  <strong>Not saved: {problems.length === 1 ? "1 problem" : `${problems.length} problems`}.</strong>{" "}
                  {running ? "Your gateway keeps the config it had." : "Nothing was stored."}
                </p>
                <ul>
                  {problems.map((problem) => <li key={problem}><Problem text={problem} /></li>)}
                </ul>
              </>
            ) : (
              <p><strong>Not saved.</strong> {failure}</p>
            )}
          </div>
        ) : (
          <Reference />
        )}
      </div>
    </form>
  );
}

function slotName(slot: HeaderSlot): string {
  return slot.route ? `${slot.name} (${slot.route})` : slot.name;
}

function HeaderValue({
  slot,
  value,
  missing,
  hintId,
  onChange,
}: {
  slot: HeaderSlot;
  value: string;
  missing: boolean;
  hintId: string;
  onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <div className="field">
      <label className="field-label" htmlFor={id}>
        Value of {slot.name}{slot.route ? <> for {slot.route}</> : null}
      </label>
      <input
        id={id}
        type="password"
        autoComplete="new-password"
        spellCheck={false}
        value={value}
        required
        aria-invalid={missing || undefined}
        aria-describedby={hintId}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}

/** "routes[0].path must …": the field path as code, then what is wrong. */
function Problem({ text }: { text: string }) {
  const match = /^((?:upstream|upstreamHeaders|routes)(?:\[\d+\])?(?:\.[\w-]+)*)(:?) (.*)$/.exec(text);
  if (!match) return <>{text}</>;
  return (
    <>
      <code>{match[1]}</code>{match[2]} {match[3]}
    </>
  );
}

function Reference() {
  return (
    <div className="gateway-reference">
      <h3>Routes, briefly</h3>
      <ul>
        <li><code>path</code>: <code>*</code> is one segment, or everything below as the last one.</li>
        <li>
          <code>units</code>: <code>{'{"fixed": 2}'}</code>, <code>{'{"responseHeader": "x-units", "max": 100}'}</code> or{" "}
          <code>{'{"jsonPointer": "/usage/units", "max": 1000}'}</code>; the most is held before forwarding.
        </li>
        <li><code>{'"meterOn": "any"'}</code> meters 4xx answers too (a 5xx never).</li>
        <li>
          AI routes: <code>{'"kind": "openai"'}</code> or <code>{'"anthropic"'}</code> with <code>models</code> priced in units per
          1,000 tokens (<code>inputPer1k</code>, <code>outputPer1k</code>, <code>cachedInputPer1k</code>) and{" "}
          <code>maxOutputTokens</code>.
        </li>
        <li>A route may have its own <code>upstream</code> and <code>upstreamHeaders</code>.</li>
      </ul>
    </div>
  );
}
