import { AlertsCard } from "../../components/AlertsCard";
import { WebhooksCard } from "../../components/WebhooksCard";
import { PageHeader } from "../PageHeader";
import { RequirePlatform } from "../RequirePlatform";

export default function WebhooksPage() {
  return (
    <>
      <PageHeader
        title="Webhooks and alerts"
        lead="Your server hears about your end users instead of polling: thresholds crossed, limits reached, low credits, plan changes."
      />
      <RequirePlatform what="webhooks">
        {(platformId) => (
          <>
            <WebhooksCard platformId={platformId} />
            <AlertsCard platformId={platformId} />
          </>
        )}
      </RequirePlatform>
    </>
  );
}
