import { useState } from "react";
import { useSession } from "../../auth/context";
import { ConnectCard } from "../../components/ConnectCard";
import { useCredentials } from "../../hooks/useCredentials";
import { PageHeader } from "../PageHeader";
import { markPortalOpened, portalUrl } from "../portal";

export default function SettingsPage() {
  const session = useSession();
  const platformId = useCredentials().data?.platformId ?? null;
  return (
    <>
      <PageHeader title="Settings" lead="Your connections, your end users' public page, and your account." />
      <ConnectCard />
      {platformId && <PublicPageCard platformId={platformId} />}
      <section className="card" aria-labelledby="account-title">
        <h2 id="account-title">Account</h2>
        <dl className="facts">
          <div><dt>Signed in as</dt><dd>{session.email}</dd></div>
          {platformId && <div><dt>Platform ID</dt><dd><code>{platformId}</code></dd></div>}
        </dl>
      </section>
    </>
  );
}

/** The portal at /p/{platformId}: the tiers, credit packs, sign-in and billing of end users. */
function PublicPageCard({ platformId }: { platformId: string }) {
  const url = portalUrl(platformId);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      setCopied("Link copied.");
    } catch {
      setCopied("Could not copy: select the link and copy it by hand.");
    }
  };
  return (
    <section className="card" aria-labelledby="public-page-title">
      <h2 id="public-page-title">Your public page</h2>
      <p className="hint">Link to it from your app: your end users see your tiers and credit packs, sign in, and pay you there.</p>
      <p>
        <a href={url} target="_blank" rel="noopener" data-testid="preview-link" onClick={() => markPortalOpened(platformId)}>
          {url}<span className="visually-hidden"> (opens in a new tab)</span>
        </a>
      </p>
      <div className="actions">
        <button className="secondary" onClick={copy}>Copy link</button>
        <span role="status">{copied}</span>
      </div>
    </section>
  );
}
