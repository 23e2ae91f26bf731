import { useState } from "react";
import { Link } from "react-router-dom";
import { QueryStatus, ErrorAlert } from "../../components/QueryStatus";
import { ConfigEditor, type SavedGateway } from "../../gateway/ConfigEditor";
import { editable, MASK, STARTER, type GatewayShown } from "../../gateway/model";
import { useGateway, useRollSigningSecret, useStopGateway } from "../../gateway/queries";
import { useConfirmStep } from "../../hooks/useConfirmStep";
import { RoutesTable } from "../../gateway/RoutesTable";
import { TestCall } from "../../gateway/TestCall";
import { EmptyState, PageHeader } from "../PageHeader";
import { RequirePlatform } from "../RequirePlatform";
import { CopyButton, ShownOnce } from "../ShownOnce";
import { useToast } from "../toast";
import "../../gateway/gateway.css";

export default function GatewayPage() {
  return (
    <>
      <PageHeader
        title="Gateway"
        lead="Your API behind dream-api: end users call the gateway with keys of their own; it holds what a call may cost, forwards it to your origin with signed identity headers, and meters it from the answer."
      />
      <RequirePlatform what="gateways">{(platformId) => <Gateway platformId={platformId} />}</RequirePlatform>
    </>
  );
}

type Secret = { value: string; why: "first" | "rolled" };

function Gateway({ platformId }: { platformId: string }) {
  const gateway = useGateway(platformId);
  const toast = useToast();
  const [secret, setSecret] = useState<Secret | null>(null);
  const [editing, setEditing] = useState(false);
  const saved = (reply: SavedGateway) => {
    setEditing(false);
    if (reply.signingSecret) {
      setSecret({ value: reply.signingSecret, why: "first" });
      toast("Gateway saved: copy its signing secret now.");
    } else {
      toast(`Gateway saved: ${reply.routes.length === 1 ? "1 route" : `${reply.routes.length} routes`}.`);
    }
  };
  const data = gateway.data;
  return (
    <>
      <QueryStatus query={gateway} loading="Loading your gateway…" what="your gateway" />
      {secret && <SigningSecret secret={secret} onHide={() => setSecret(null)} />}
      {data === null && (
        <>
          <EmptyState title="No gateway yet." testId="gateway-empty">
            <ol className="empty-steps">
              <li>Put your API&apos;s address in <code>upstream</code> and the header your origin wants (an API key, say) in <code>upstreamHeaders</code>.</li>
              <li>List the <code>routes</code> your end users may call, and what each call costs in units.</li>
              <li>Save: you get the signing secret your origin checks the gateway&apos;s calls with, once.</li>
              <li>Give your end users keys of their own (on <Link to="/dashboard/users">their pages</Link>, or in your portal) and the gateway URL.</li>
            </ol>
          </EmptyState>
          <section className="card" aria-labelledby="gateway-editor-title">
            <h2 id="gateway-editor-title">Your first config</h2>
            <ConfigEditor platformId={platformId} initial={STARTER} running={false} onSaved={saved} />
          </section>
        </>
      )}
      {data && (
        <>
          <Overview platformId={platformId} gateway={data} onRolled={(value) => setSecret({ value, why: "rolled" })} />
          <section className="card" aria-labelledby="gateway-routes-title">
            <div className="section-head">
              <h2 id="gateway-routes-title">Routes</h2>
              {!editing && (
                <button className="secondary" data-testid="edit-gateway" onClick={() => setEditing(true)}>
                  Edit config
                </button>
              )}
            </div>
            {editing ? (
              <ConfigEditor platformId={platformId} initial={editable(data)} running focus onSaved={saved} onCancel={() => setEditing(false)} />
            ) : (
              <RoutesTable gateway={data} />
            )}
          </section>
          <TestCall key={data.updatedAt} platformId={platformId} gateway={data} />
        </>
      )}
    </>
  );
}

function SigningSecret({ secret, onHide }: { secret: Secret; onHide: () => void }) {
  return (
    <ShownOnce
      title={
        secret.why === "first"
          ? "Your gateway's signing secret: copy it now, it is shown only once."
          : "The new signing secret: copy it now, it is shown only once. The gateway signs with it from now on."
      }
      value={secret.value}
      testId="gateway-signing-secret"
      copyLabel={<>Copy<span className="visually-hidden"> the signing secret</span></>}
      onHide={onHide}
    >
      <p>
        Your origin checks <code>X-Dream-Signature</code> with it before trusting <code>X-Dream-User-Id</code>: the SDKs&apos;{" "}
        <code>verify_gateway_request</code> (Python) and <code>verifyGatewayRequest</code> (TypeScript) do it. Keep it with your
        origin&apos;s secrets.
      </p>
    </ShownOnce>
  );
}

/** Where the gateway answers, where it forwards to, the headers it adds (masked), and its signing
 * secret (roll) and stop. */
function Overview({ platformId, gateway, onRolled }: { platformId: string; gateway: GatewayShown; onRolled: (secret: string) => void }) {
  const roll = useRollSigningSecret();
  const stop = useStopGateway(platformId);
  const toast = useToast();
  const rolling = useConfirmStep();
  const stopping = useConfirmStep();
  const step = rolling.asking ? rolling : stopping.asking ? stopping : null;
  const headers = Object.entries(gateway.upstreamHeaders);
  const toggle = (asked: typeof rolling, other: typeof rolling) => {
    other.done();
    if (asked.asking) asked.cancel();
    else asked.ask();
  };
  const doRoll = () =>
    roll.mutate(undefined, {
      onSuccess: (reply) => {
        rolling.done();
        onRolled(reply.signingSecret);
        toast("Signing secret rolled: copy the new one now.");
      },
    });
  const doStop = () =>
    stop.mutate(undefined, {
      onSuccess: () => {
        stopping.done();
        toast("Gateway stopped: its calls are refused (404 gateway_not_configured).");
      },
    });
  return (
    <section className="card" aria-labelledby="gateway-title">
      <h2 id="gateway-title">Your gateway</h2>
      <dl className="facts gateway-facts">
        <div className="wide-fact">
          <dt>Gateway URL (your end users call this)</dt>
          <dd className="copy-row">
            <code data-testid="gateway-url">{gateway.gatewayUrl}</code>
            <CopyButton text={gateway.gatewayUrl} label={<>Copy<span className="visually-hidden"> the gateway URL</span></>} />
          </dd>
        </div>
        <div>
          <dt>Upstream (your origin)</dt>
          <dd><code data-testid="gateway-upstream">{gateway.upstream}</code></dd>
        </div>
        <div>
          <dt>Headers it adds</dt>
          <dd data-testid="gateway-headers">
            {headers.length === 0
              ? "none"
              : headers.map(([name, value]) => (
                  <span key={name} className="masked-header"><code>{name}: {value}</code></span>
                ))}
          </dd>
        </div>
        <div>
          <dt>Updated</dt>
          <dd><time dateTime={gateway.updatedAt}>{new Date(gateway.updatedAt).toLocaleString()}</time></dd>
        </div>
      </dl>
      <p className="hint">
        Header values are write-only: stored encrypted, shown as <code>{MASK}</code>, never sent to your end users. The signing
        secret was shown once, when the gateway was first saved.
      </p>
      <div className="actions">
        <button className="secondary" ref={rolling.opener} aria-expanded={rolling.asking} onClick={() => toggle(rolling, stopping)}>Roll signing secret</button>
        <button className="secondary" ref={stopping.opener} aria-expanded={stopping.asking} onClick={() => toggle(stopping, rolling)}>Stop the gateway</button>
      </div>
      {step && (
        <div className="confirm-step" data-testid="gateway-confirm" onKeyDown={(e) => e.key === "Escape" && step.cancel()}>
          <p>
            {step === rolling
              ? "Roll the signing secret? The gateway signs with a new one at once: calls your origin checks with the old one fail until it has the new one."
              : "Stop the gateway? It forgets this config and its header values; your end users' calls through it are refused."}
          </p>
          <div className="actions">
            <button ref={step.yes} disabled={roll.isPending || stop.isPending} onClick={step === rolling ? doRoll : doStop}>
              {step === rolling ? "Yes, roll it" : "Yes, stop it"}
            </button>
            <button className="secondary" onClick={step.cancel}>Cancel</button>
          </div>
        </div>
      )}
      <ErrorAlert error={roll.error ?? stop.error} />
    </section>
  );
}
