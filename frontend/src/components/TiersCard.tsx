import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useSession } from "../auth/context";
import { apiMulti, bearer, unwrap, type ApiMultiReply } from "../client";
import { problemsOf } from "../hooks/errors";
import { queryKeys } from "../hooks/queryKeys";
import { QueryStatus } from "./QueryStatus";

type TierList = ApiMultiReply<"get_api_tiers">;
type Tier = TierList["tiers"][number];

/** The tiers the developer's end users subscribe to (edited here, published on /p/:platformId). */
export function TiersCard({ platformId }: { platformId: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const queryKey = queryKeys.tiers(platformId);
  const stored = useQuery({
    queryKey,
    queryFn: () => unwrap(apiMulti.GET("/api/tiers", { params: { query: { platformId } } })),
  });
  const [tiers, setTiers] = useState<Tier[]>([]);
  useEffect(() => setTiers(stored.data?.tiers ?? []), [stored.data]);
  const save = useMutation({
    mutationFn: async (edited: Tier[]) => {
      // currency and overage are not edited here: they are sent back as they were loaded
      const body = edited.map(({ name, limit, rateLimit, priceCents, currency, stripePriceId, default: isDefault, overage }) => ({
        name, limit, rateLimit, priceCents, currency, stripePriceId: stripePriceId || null, default: Boolean(isDefault), overage,
      }));
      return unwrap(apiMulti.PUT("/api/developer/tiers", { headers: bearer(await session.getToken()), body: { tiers: body } }));
    },
    onSuccess: async (reply: TierList) => {
      queryClient.setQueryData(queryKey, reply);
      setTiers(reply.tiers);
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const update = (index: number, change: Partial<Tier>) =>
    setTiers((all) => all.map((tier, i) => (i === index ? { ...tier, ...change } : tier)));
  const number = (value: string) => (value === "" ? 0 : Number(value));
  const problems = save.isError ? problemsOf(save.error) : [];
  return (
    <section className="card" aria-labelledby="tiers-title">
      <h2 id="tiers-title">Pricing tiers for your users</h2>
      <QueryStatus query={stored} loading="Loading tiers…" what="tiers" />
      {stored.isSuccess && tiers.length === 0 && <p className="empty">No tiers yet: add one.</p>}
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
            <button className="secondary" onClick={() => setTiers((all) => all.filter((_, i) => i !== index))}>
              Remove<span className="visually-hidden"> tier {index + 1}</span>
            </button>
          </fieldset>
        ))}
      </div>
      <div className="actions">
        <button className="secondary" onClick={() => setTiers((all) => [...all, { name: "", limit: 100, rateLimit: 100, priceCents: 0, default: all.length === 0 }])}>Add tier</button>
        <button data-testid="save-tiers" disabled={save.isPending} onClick={() => save.mutate(tiers)}>Save tiers</button>
      </div>
      {save.isSuccess && <p className="notice" role="status">Saved.</p>}
      {problems.length > 0 && (
        <div className="error" role="alert" data-testid="tier-problems">
          <ul>
            {problems.map((problem) => <li key={problem}>{problem}</li>)}
          </ul>
        </div>
      )}
    </section>
  );
}
