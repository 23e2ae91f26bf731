// The overview's checklist for a new account. Every step completes itself from what the API says
// (a key exists, the platform counted a call, tiers are stored, Stripe is connected), except the
// last, opening the end users' portal, which this browser remembers. While the first call is
// awaited the page asks for the platform's numbers every few seconds and notices it arrive.
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { Link } from "react-router-dom";
import { useSession } from "../auth/context";
import { ErrorAlert, QueryStatus } from "../components/QueryStatus";
import { GenerateButton, ShownOnce, useIssueKey } from "../components/CredentialsCard";
import { useConnect } from "../components/ConnectCard";
import { curlSnippet } from "../components/QuickStart";
import { useTiers } from "../components/TiersCard";
import { queryKeys } from "../hooks/queryKeys";
import { useCredentials } from "../hooks/useCredentials";
import { markPortalOpened, portalUrl, usePortalOpened } from "./portal";
import { LIVE_MS, useConnections, useStats } from "./queries";
import { useToast } from "./toast";

type Step = { id: string; title: string; done: boolean; body: ReactNode };

export function Checklist() {
  const credentials = useCredentials();
  const platformId = credentials.data?.platformId ?? null;
  const issue = useIssueKey();
  const issuedKey = issue.data?.apiKey;
  const [showDone, setShowDone] = useState(false);
  const connections = useConnections();
  const connect = useConnect();
  // the steps that need the platform wait for it
  const tiers = useTiersOf(platformId);
  const portalOpened = usePortalOpened(platformId);
  const haveKey = platformId !== null;
  const firstCall = useFirstCall(platformId);
  const toast = useToast();

  const steps: Step[] = [
    {
      id: "key",
      title: "Create an API key",
      done: haveKey,
      body: haveKey ? (
        <>
          <p>
            Your platform <code data-testid="platform-id">{credentials.data?.platformId}</code>, default key{" "}
            <code data-testid="key-prefix">{credentials.data?.keyPrefix}…</code> (<Link to="/dashboard/keys">manage keys</Link>).
          </p>
          {issuedKey && <ShownOnce apiKey={issuedKey} />}
        </>
      ) : (
        <>
          <p>Your servers send it with every call they meter. It comes with your platform ID.</p>
          {credentials.isSuccess && <GenerateButton issue={issue} />}
          <ErrorAlert error={issue.error} />
        </>
      ),
    },
    {
      id: "call",
      title: "Make your first metered call",
      done: firstCall.arrived,
      body: !haveKey ? (
        <p className="hint">Create your key first.</p>
      ) : firstCall.arrived ? (
        <p>
          {firstCall.calls.toLocaleString()} call{firstCall.calls === 1 ? "" : "s"} from {firstCall.users.toLocaleString()} end user
          {firstCall.users === 1 ? "" : "s"} this month (<Link to="/dashboard/users">see them</Link>).
        </p>
      ) : (
        <>
          <p>Count one call for your end user <code>user_42</code>, from your server or a terminal:</p>
          <pre tabIndex={0} aria-label="A metered call with curl"><code>{curlSnippet(issuedKey)}</code></pre>
          <p className="live" role="status" data-testid="first-call-status">
            <span className="pulse" aria-hidden="true" /> Waiting for your first call: this page checks every {LIVE_MS / 1000} seconds.
          </p>
          <p className="hint"><Link to="/dashboard/keys#quick-start">SDKs for Python and TypeScript</Link></p>
        </>
      ),
    },
    {
      id: "tiers",
      title: "Set your pricing tiers",
      done: tiers.custom,
      body: tiers.custom ? (
        <p>Your tiers: {tiers.names.join(", ")} (<Link to="/dashboard/pricing">edit</Link>).</p>
      ) : (
        <>
          <p>Until you do, your users get the default tiers: free (5 calls a month) and paid (500).</p>
          {haveKey ? <Link className="button" to="/dashboard/pricing" data-testid="checklist-tiers">Set your tiers</Link> : <p className="hint">Create your key first.</p>}
        </>
      ),
    },
    {
      id: "stripe",
      title: "Connect Stripe",
      done: connections.data?.stripe.connected ?? false,
      body: connections.data?.stripe.connected ? (
        <p>Connected: <code>{connections.data.stripe.accountId}</code>. Your users pay you through it.</p>
      ) : (
        <>
          <p>Your end users pay you through your own Stripe account: subscriptions, credit packs and overage.</p>
          {haveKey ? (
            <button data-testid="checklist-connect-stripe" disabled={connect.isPending} onClick={() => connect.mutate("stripe")}>
              {connect.isPending ? "Opening Stripe…" : "Connect Stripe"}
            </button>
          ) : (
            <p className="hint">Create your key first.</p>
          )}
          <ErrorAlert error={connect.error} />
        </>
      ),
    },
    {
      id: "portal",
      title: "Open your users' portal",
      done: portalOpened,
      body: platformId ? (
        <p>
          {portalOpened ? "Link to it from your app: " : "Where your end users see your tiers, sign in and pay: "}
          <a
            href={portalUrl(platformId)}
            target="_blank"
            rel="noopener"
            data-testid="checklist-portal"
            onClick={() => {
              if (!portalOpened) toast("Your portal opened in a new tab.");
              markPortalOpened(platformId);
            }}
          >
            {portalOpened ? portalUrl(platformId) : "Open your portal"}
            <span className="visually-hidden"> (opens in a new tab)</span>
          </a>
        </p>
      ) : (
        <p className="hint">Create your key first.</p>
      ),
    },
  ];
  const done = steps.filter((step) => step.done).length;
  const current = steps.find((step) => !step.done)?.id ?? null;
  const complete = current === null;
  if (!credentials.isSuccess) return <QueryStatus query={credentials} loading="Loading your setup…" what="your setup" />;
  return (
    <section className="card checklist" aria-labelledby="checklist-title" data-testid="checklist">
      <div className="section-head">
        <h2 id="checklist-title">{complete ? "You are set up" : "Get started"}</h2>
        <p className="checklist-progress">
          <span data-testid="checklist-progress">{done} of {steps.length} done</span>
          <progress value={done} max={steps.length} aria-label="Setup progress" />
        </p>
      </div>
      {complete && !showDone ? (
        <p>
          Every step is done: your API meters and bills its users.{" "}
          <button className="link" onClick={() => setShowDone(true)}>Show the steps</button>
        </p>
      ) : (
        <ol className="steps">
          {steps.map((step, index) => (
            <li
              key={step.id}
              className={step.done ? "step done" : step.id === current ? "step current" : "step"}
              data-testid={`step-${step.id}`}
              data-done={step.done}
            >
              <span className="step-mark" aria-hidden="true">{step.done ? "✓" : index + 1}</span>
              <div className="step-body">
                <h3>
                  {step.title}
                  <span className="step-state">{step.done ? "Done" : step.id === current ? "Next" : "To do"}</span>
                </h3>
                {/* the call's instructions only once there is a key to make it with */}
                {(step.id !== "call" || step.done || step.id === current) && step.body}
              </div>
            </li>
          ))}
        </ol>
      )}
      <FirstCallToast arrived={firstCall.arrived} waited={firstCall.waited} />
    </section>
  );
}

function useTiersOf(platformId: string | null): { custom: boolean; names: string[] } {
  const tiers = useTiers(platformId ?? "", { enabled: platformId !== null });
  return {
    custom: tiers.data?.source === "custom",
    names: (tiers.data?.tiers ?? []).map((tier) => tier.name),
  };
}

/** Whether the platform counted a call (this month, or an end user from before); asked every few
 * seconds, past the API's 15 s cache, until it did. */
function useFirstCall(platformId: string | null) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [seen, setSeen] = useState(false);
  // waited: the numbers said "no call yet" at least once while this page was open
  const [waited, setWaited] = useState(false);
  const enabled = platformId !== null;
  const known = useStats(platformId ?? "", { enabled, live: enabled && !seen });
  const data = known.data;
  const arrived = Boolean(data && (data.calls.thisMonth > 0 || data.endUsers.total > 0));
  useEffect(() => {
    if (data && !arrived) setWaited(true);
    if (!arrived || seen) return;
    setSeen(true);
    // the call that just arrived is in the other figures too (units by day, end users)
    if (waited) void queryClient.invalidateQueries({ queryKey: [...queryKeys.developer(session.userId), platformId, "analytics"] });
  }, [data, arrived, seen, waited, queryClient, session.userId, platformId]);
  return {
    arrived,
    waited,
    calls: data?.calls.thisMonth ?? 0,
    users: data?.endUsers.total ?? 0,
  };
}

/** Announces the first call when it arrives while the page waits for it. */
function FirstCallToast({ arrived, waited }: { arrived: boolean; waited: boolean }) {
  const toast = useToast();
  const announced = useRef(false);
  useEffect(() => {
    if (arrived && waited && !announced.current) {
      announced.current = true;
      toast("Your first metered call arrived.");
    }
  }, [arrived, waited, toast]);
  return null;
}
