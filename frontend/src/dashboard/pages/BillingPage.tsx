import { BillingUsageCard } from "../../components/BillingUsageCard";
import { PageHeader } from "../PageHeader";

export default function BillingPage() {
  return (
    <>
      <PageHeader
        title="Billing"
        lead="Your own dream-api plan: free for 5 calls a month to try it out, $29 a month for 500. What your end users pay is on Pricing."
      />
      <BillingUsageCard />
    </>
  );
}
