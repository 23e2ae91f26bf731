import { useEffect, useState } from "react";
import { useSession } from "../auth/context";
import { ApiError, call, type Tier, type TierList } from "../api";
import { config } from "../config";
import { useLoad } from "../useLoad";

export function TiersCard({ platformId }: { platformId: string }) {
  const session = useSession();
  const stored = useLoad(() => call<TierList>(config.apiMulti, `/api/tiers?platformId=${platformId}`), [platformId]);
  const [tiers, setTiers] = useState<Tier[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  useEffect(() => setTiers(stored.data?.tiers ?? []), [stored.data]);
  const update = (index: number, change: Partial<Tier>) =>
    setTiers((all) => all.map((tier, i) => (i === index ? { ...tier, ...change } : tier)));
  const save = async () => {
    setProblems([]);
    setSaved(false);
    try {
      const body = tiers.map(({ name, limit, rateLimit, priceCents, stripePriceId, default: isDefault }) => ({
        name, limit, rateLimit, priceCents, stripePriceId: stripePriceId || null, default: Boolean(isDefault),
      }));
      await call(config.apiMulti, "/api/developer/tiers", { method: "PUT", token: await session.getToken(), body: { tiers: body } });
      setSaved(true);
      stored.reload();
    } catch (failure) {
      const error = failure as ApiError;
      setProblems(Array.isArray(error.body.problems) ? (error.body.problems as string[]) : [error.message]);
    }
  };
  const number = (value: string) => (value === "" ? 0 : Number(value));
  return (
    <section className="card" aria-labelledby="tiers-title">
      <h2 id="tiers-title">Pricing tiers for your users</h2>
      {stored.loading && !stored.data && <p role="status">Loading tiers…</p>}
      {stored.error && <p className="error" role="alert">{stored.error.message}</p>}
      <div className="tier-editor">
        {tiers.map((tier, index) => (
          <fieldset key={index} data-testid={`tier-${index}`}>
            <legend>Tier {index + 1}</legend>
            <label>Name <input aria-label={`Tier ${index + 1} name`} value={tier.name} onChange={(e) => update(index, { name: e.target.value })} /></label>
            <label>Calls a month <input aria-label={`Tier ${index + 1} monthly limit`} type="number" value={tier.limit} onChange={(e) => update(index, { limit: number(e.target.value) })} /></label>
            <label>Calls a minute <input aria-label={`Tier ${index + 1} rate limit`} type="number" value={tier.rateLimit ?? 100} onChange={(e) => update(index, { rateLimit: number(e.target.value) })} /></label>
            <label>Price (cents) <input aria-label={`Tier ${index + 1} price`} type="number" value={tier.priceCents ?? 0} onChange={(e) => update(index, { priceCents: number(e.target.value) })} /></label>
            <label>Stripe price <input aria-label={`Tier ${index + 1} Stripe price`} value={tier.stripePriceId ?? ""} onChange={(e) => update(index, { stripePriceId: e.target.value })} /></label>
            <label className="inline"><input type="radio" name="default-tier" checked={Boolean(tier.default)} onChange={() => setTiers((all) => all.map((t, i) => ({ ...t, default: i === index })))} /> Default</label>
            <button className="secondary" onClick={() => setTiers((all) => all.filter((_, i) => i !== index))}>Remove</button>
          </fieldset>
        ))}
      </div>
      <div className="actions">
        <button className="secondary" onClick={() => setTiers((all) => [...all, { name: "", limit: 100, rateLimit: 100, priceCents: 0, default: all.length === 0 }])}>Add tier</button>
        <button data-testid="save-tiers" onClick={save}>Save tiers</button>
      </div>
      {saved && <p className="notice" role="status">Saved.</p>}
      {problems.length > 0 && (
        <ul className="error" role="alert" data-testid="tier-problems">
          {problems.map((problem) => <li key={problem}>{problem}</li>)}
        </ul>
      )}
    </section>
  );
}
