import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useSession } from "../auth/context";
import { apiMulti, bearer, unwrap, type ApiMultiReply } from "../client";
import { problemsOf } from "../hooks/errors";
import { queryKeys } from "../hooks/queryKeys";
import { QueryStatus } from "./QueryStatus";

type CreditPackList = ApiMultiReply<"get_api_credit_packs">;
type CreditPack = CreditPackList["packs"][number];

/** The prepaid credit packs end users can buy (Stripe Checkout on the developer's account). */
export function CreditPacksCard({ platformId }: { platformId: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const queryKey = queryKeys.creditPacks(platformId);
  const stored = useQuery({
    queryKey,
    queryFn: () => unwrap(apiMulti.GET("/api/credit-packs", { params: { query: { platformId } } })),
  });
  const [packs, setPacks] = useState<CreditPack[]>([]);
  useEffect(() => setPacks(stored.data?.packs ?? []), [stored.data]);
  const save = useMutation({
    mutationFn: async (edited: CreditPack[]) => {
      const body = edited.map(({ name, units, priceCents, currency, stripePriceId }) => ({
        name, units, priceCents, currency: currency || "usd", stripePriceId: stripePriceId || null,
      }));
      return unwrap(apiMulti.PUT("/api/developer/credit-packs", { headers: bearer(await session.getToken()), body: { packs: body } }));
    },
    onSuccess: async (reply: CreditPackList) => {
      queryClient.setQueryData(queryKey, reply);
      setPacks(reply.packs);
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const update = (index: number, change: Partial<CreditPack>) =>
    setPacks((all) => all.map((pack, i) => (i === index ? { ...pack, ...change } : pack)));
  const number = (value: string) => (value === "" ? 0 : Number(value));
  const problems = save.isError ? problemsOf(save.error) : [];
  return (
    <section className="card" aria-labelledby="packs-title">
      <h2 id="packs-title">Credit packs</h2>
      <p className="hint">Prepaid units your users buy once; they pay for calls beyond their tier&apos;s monthly units.</p>
      <QueryStatus query={stored} loading="Loading credit packs…" what="credit packs" />
      {packs.length === 0 && stored.isSuccess && <p className="empty">No credit packs yet.</p>}
      <div className="tier-editor">
        {packs.map((pack, index) => (
          <fieldset key={index} data-testid={`pack-${index}`}>
            <legend>Pack {index + 1}</legend>
            <label>Name <input aria-label={`Pack ${index + 1} name`} value={pack.name} onChange={(e) => update(index, { name: e.target.value })} /></label>
            <label>Units <input aria-label={`Pack ${index + 1} units`} type="number" value={pack.units} onChange={(e) => update(index, { units: number(e.target.value) })} /></label>
            <label>Price (cents) <input aria-label={`Pack ${index + 1} price`} type="number" value={pack.priceCents} onChange={(e) => update(index, { priceCents: number(e.target.value) })} /></label>
            <label>Currency <input aria-label={`Pack ${index + 1} currency`} value={pack.currency ?? "usd"} onChange={(e) => update(index, { currency: e.target.value })} /></label>
            <label>Stripe price <input aria-label={`Pack ${index + 1} Stripe price`} value={pack.stripePriceId ?? ""} onChange={(e) => update(index, { stripePriceId: e.target.value })} /></label>
            <button className="secondary" onClick={() => setPacks((all) => all.filter((_, i) => i !== index))}>
              Remove<span className="visually-hidden"> pack {index + 1}</span>
            </button>
          </fieldset>
        ))}
      </div>
      <div className="actions">
        <button className="secondary" onClick={() => setPacks((all) => [...all, { name: "", units: 1000, priceCents: 500, currency: "usd" }])}>Add pack</button>
        <button data-testid="save-packs" disabled={save.isPending} onClick={() => save.mutate(packs)}>Save packs</button>
      </div>
      {save.isSuccess && <p className="notice" role="status">Packs saved.</p>}
      {problems.length > 0 && (
        <div className="error" role="alert" data-testid="pack-problems">
          <ul>
            {problems.map((problem) => <li key={problem}>{problem}</li>)}
          </ul>
        </div>
      )}
    </section>
  );
}
