import { useEffect, useState } from "react";
import { useSession } from "../auth/context";
import { ApiError, call, type CreditPack, type CreditPackList } from "../api";
import { config } from "../config";
import { useLoad } from "../useLoad";

/** The prepaid credit packs end users can buy (Stripe Checkout on the developer's account). */
export function CreditPacksCard({ platformId }: { platformId: string }) {
  const session = useSession();
  const stored = useLoad(
    () => call<CreditPackList>(config.apiMulti, `/api/credit-packs?platformId=${platformId}`),
    [platformId],
  );
  const [packs, setPacks] = useState<CreditPack[]>([]);
  const [problems, setProblems] = useState<string[]>([]);
  const [saved, setSaved] = useState(false);
  useEffect(() => setPacks(stored.data?.packs ?? []), [stored.data]);
  const update = (index: number, change: Partial<CreditPack>) =>
    setPacks((all) => all.map((pack, i) => (i === index ? { ...pack, ...change } : pack)));
  const number = (value: string) => (value === "" ? 0 : Number(value));
  const save = async () => {
    setProblems([]);
    setSaved(false);
    try {
      const body = packs.map(({ name, units, priceCents, currency, stripePriceId }) => ({
        name, units, priceCents, currency: currency || "usd", stripePriceId: stripePriceId || null,
      }));
      await call(config.apiMulti, "/api/developer/credit-packs", { method: "PUT", token: await session.getToken(), body: { packs: body } });
      setSaved(true);
      stored.reload();
    } catch (failure) {
      const error = failure as ApiError;
      setProblems(Array.isArray(error.body.problems) ? (error.body.problems as string[]) : [error.message]);
    }
  };
  return (
    <section className="card" aria-labelledby="packs-title">
      <h2 id="packs-title">Credit packs</h2>
      <p className="hint">Prepaid units your users buy once; they pay for calls beyond their tier&apos;s monthly units.</p>
      {stored.error && <p className="error" role="alert">{stored.error.message}</p>}
      {packs.length === 0 && !stored.loading && <p className="empty">No credit packs yet.</p>}
      <div className="tier-editor">
        {packs.map((pack, index) => (
          <fieldset key={index} data-testid={`pack-${index}`}>
            <legend>Pack {index + 1}</legend>
            <label>Name <input aria-label={`Pack ${index + 1} name`} value={pack.name} onChange={(e) => update(index, { name: e.target.value })} /></label>
            <label>Units <input aria-label={`Pack ${index + 1} units`} type="number" value={pack.units} onChange={(e) => update(index, { units: number(e.target.value) })} /></label>
            <label>Price (cents) <input aria-label={`Pack ${index + 1} price`} type="number" value={pack.priceCents} onChange={(e) => update(index, { priceCents: number(e.target.value) })} /></label>
            <label>Currency <input aria-label={`Pack ${index + 1} currency`} value={pack.currency ?? "usd"} onChange={(e) => update(index, { currency: e.target.value })} /></label>
            <label>Stripe price <input aria-label={`Pack ${index + 1} Stripe price`} value={pack.stripePriceId ?? ""} onChange={(e) => update(index, { stripePriceId: e.target.value })} /></label>
            <button className="secondary" onClick={() => setPacks((all) => all.filter((_, i) => i !== index))}>Remove</button>
          </fieldset>
        ))}
      </div>
      <div className="actions">
        <button className="secondary" onClick={() => setPacks((all) => [...all, { name: "", units: 1000, priceCents: 500, currency: "usd" }])}>Add pack</button>
        <button data-testid="save-packs" onClick={save}>Save packs</button>
      </div>
      {saved && <p className="notice" role="status">Packs saved.</p>}
      {problems.length > 0 && (
        <ul className="error" role="alert" data-testid="pack-problems">
          {problems.map((problem) => <li key={problem}>{problem}</li>)}
        </ul>
      )}
    </section>
  );
}
