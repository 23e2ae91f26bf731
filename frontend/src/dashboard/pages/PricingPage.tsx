import { CreditPacksCard } from "../../components/CreditPacksCard";
import { TiersCard } from "../../components/TiersCard";
import { PageHeader } from "../PageHeader";
import { dollars, useStats } from "../queries";
import { QueryStatus } from "../../components/QueryStatus";
import { RequirePlatform } from "../RequirePlatform";

export default function PricingPage() {
  return (
    <>
      <PageHeader title="Pricing" lead="What your end users get and pay: tiers with monthly units, prepaid credit packs, and units billed past the limit.">
        <nav aria-label="On this page" className="page-tabs">
          <a href="#tiers">Tiers</a>
          <a href="#credit-packs">Credit packs</a>
          <a href="#overage">Overage</a>
        </nav>
      </PageHeader>
      <RequirePlatform what="tiers and credit packs">
        {(platformId) => (
          <>
            <TiersCard platformId={platformId} />
            <CreditPacksCard platformId={platformId} />
            <OverageCard platformId={platformId} />
          </>
        )}
      </RequirePlatform>
    </>
  );
}

/** This month's overage: units past the limit billed through the developer's Stripe meter. */
function OverageCard({ platformId }: { platformId: string }) {
  const stats = useStats(platformId);
  const overage = stats.data?.overage;
  return (
    <section className="card" aria-labelledby="overage-title" id="overage">
      <h2 id="overage-title">Overage this month</h2>
      <p className="hint">
        A tier with overage bills its subscribers for units past its limit (set it in the tier above: a metered Stripe
        price and its meter&apos;s event name).
      </p>
      <QueryStatus query={stats} loading="Loading overage…" what="overage" />
      {overage && overage.units === 0 && (
        <p className="empty" data-testid="overage-empty">No overage this month: no subscriber has gone past a tier&apos;s limit.</p>
      )}
      {overage && overage.units > 0 && (
        <div className="table-scroll">
          <table data-testid="overage-users">
            <caption className="hint">
              <span data-testid="overage-units">{overage.units}</span> units,{" "}
              <span data-testid="overage-revenue">{dollars(overage.revenueCents)}</span> billed through your Stripe meter
              (top users)
            </caption>
            <thead>
              <tr><th scope="col">End user</th><th scope="col">Tier</th><th scope="col">Overage units</th><th scope="col">Revenue</th></tr>
            </thead>
            <tbody>
              {overage.users.map((user) => (
                <tr key={user.userId}>
                  <th scope="row">{user.userId}</th><td>{user.tier}</td><td>{user.units}</td><td>{dollars(user.revenueCents)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
