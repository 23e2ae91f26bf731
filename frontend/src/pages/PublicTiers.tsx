import { useParams } from "react-router-dom";
import { call, type TierList } from "../api";
import { config } from "../config";
import { useLoad } from "../useLoad";

export function PublicTiers() {
  const { platformId = "" } = useParams();
  const tiers = useLoad(() => call<TierList>(config.apiMulti, `/api/tiers?platformId=${encodeURIComponent(platformId)}`), [platformId]);
  return (
    <main className="page">
      <h1>Pricing</h1>
      {tiers.loading && <p role="status">Loading tiers…</p>}
      {tiers.error && <p className="error" role="alert">{tiers.error.message}</p>}
      {!tiers.loading && !tiers.error && !tiers.data && <p className="error">This platform does not exist.</p>}
      {tiers.data && (
        <div className="tiers" data-testid="public-tiers">
          {tiers.data.tiers.map((tier) => (
            <section className="card tier" key={tier.name}>
              <h2>{tier.name}</h2>
              <p className="price">{tier.priceCents ? `$${(tier.priceCents / 100).toFixed(2)} / month` : "Free"}</p>
              <p>{tier.limit.toLocaleString()} calls a month</p>
              <p>{(tier.rateLimit ?? 100).toLocaleString()} calls a minute</p>
            </section>
          ))}
        </div>
      )}
    </main>
  );
}
