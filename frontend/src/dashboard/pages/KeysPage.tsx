import { ApiKeysCard } from "../../components/ApiKeysCard";
import { CredentialsCard } from "../../components/CredentialsCard";
import { QuickStart } from "../../components/QuickStart";
import { useCredentials } from "../../hooks/useCredentials";
import { PageHeader } from "../PageHeader";

export default function KeysPage() {
  const platformId = useCredentials().data?.platformId ?? null;
  return (
    <>
      <PageHeader
        title="API keys"
        lead="Your servers meter your end users' calls with these keys. Each key is shown once; give every server its own."
      />
      <CredentialsCard />
      {platformId && (
        <>
          <ApiKeysCard platformId={platformId} />
          <QuickStart platformId={platformId} />
        </>
      )}
    </>
  );
}
