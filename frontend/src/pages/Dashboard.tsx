import { useQueryClient } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router-dom";
import { DeveloperPage } from "../auth/AppAuth";
import { useSession } from "../auth/context";
import { EndUsersCard } from "../analytics/EndUsersCard";
import { UsageByDayCard } from "../analytics/UsageByDayCard";
import { AlertsCard } from "../components/AlertsCard";
import { ApiKeysCard } from "../components/ApiKeysCard";
import { BillingUsageCard } from "../components/BillingUsageCard";
import { ConnectCard } from "../components/ConnectCard";
import { CredentialsCard } from "../components/CredentialsCard";
import { CreditPacksCard } from "../components/CreditPacksCard";
import { EndUserCreditsCard } from "../components/EndUserCreditsCard";
import { QuickStart } from "../components/QuickStart";
import { StatsCard } from "../components/StatsCard";
import { TiersCard } from "../components/TiersCard";
import { WebhooksCard } from "../components/WebhooksCard";
import { useCredentials } from "../hooks/useCredentials";

export function Dashboard() {
  const [query] = useSearchParams();
  return (
    <DeveloperPage>
      <SignedInDashboard notice={noticeFrom(query)} />
    </DeveloperPage>
  );
}

function noticeFrom(query: URLSearchParams): string | null {
  if (query.get("checkout") === "success") return "Thanks! Your subscription is active.";
  if (query.get("checkout") === "cancelled") return "Checkout was cancelled; nothing was charged.";
  for (const provider of ["stripe", "github"]) {
    const outcome = query.get(provider);
    const name = provider === "stripe" ? "Stripe" : "GitHub";
    if (outcome === "connected") return `${name} is connected.`;
    if (outcome === "denied") return `${name} connection was cancelled.`;
    if (outcome === "error") return `${name} could not be connected (${query.get("reason") ?? "unknown error"}).`;
  }
  return null;
}

function SignedInDashboard({ notice }: { notice: string | null }) {
  const session = useSession();
  const credentials = useCredentials();
  const queryClient = useQueryClient();
  const signOut = () => {
    queryClient.clear(); // nothing of this account stays in memory
    session.signOut();
  };
  const platformId = credentials.data?.platformId ?? null;
  return (
    <main className="page dashboard">
      <header className="topbar">
        <h1>Dashboard</h1>
        <span className="who">{session.email}</span>
        <button className="link" onClick={signOut}>Sign out</button>
      </header>
      {notice && <p className="notice" role="status">{notice}</p>}
      <BillingUsageCard />
      <CredentialsCard />
      {platformId ? (
        <>
          <ApiKeysCard platformId={platformId} />
          <TiersCard platformId={platformId} />
          <CreditPacksCard platformId={platformId} />
          <EndUserCreditsCard platformId={platformId} />
          <StatsCard platformId={platformId} />
          <UsageByDayCard platformId={platformId} />
          <EndUsersCard platformId={platformId} />
          <WebhooksCard platformId={platformId} />
          <AlertsCard platformId={platformId} />
          <ConnectCard />
          <section className="card">
            <h2>Your public pricing page</h2>
            <Link to={`/p/${platformId}`} data-testid="preview-link">{`${window.location.origin}/p/${platformId}`}</Link>
          </section>
          <QuickStart platformId={platformId} />
        </>
      ) : (
        credentials.isSuccess && <p className="empty">Generate your credentials to configure tiers, see end-user stats and connect Stripe.</p>
      )}
    </main>
  );
}
