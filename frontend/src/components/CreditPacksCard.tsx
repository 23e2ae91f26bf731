import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useSession } from "../auth/context";
import { apiMulti, bearer, unwrap, type ApiMultiReply } from "../client";
import { Field, FormErrorSummary } from "../dashboard/FormErrors";
import { formErrors } from "../dashboard/fieldErrors";
import { useToast } from "../dashboard/toast";
import { queryKeys } from "../hooks/queryKeys";
import { QueryStatus } from "./QueryStatus";

type CreditPackList = ApiMultiReply<"get_api_credit_packs">;
type CreditPack = CreditPackList["packs"][number];

const FIELDS = ["name", "units", "priceCents", "currency", "stripePriceId"] as const;

/** The prepaid credit packs end users can buy (Stripe Checkout on the developer's account). */
export function CreditPacksCard({ platformId }: { platformId: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const toast = useToast();
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
      toast(reply.packs.length ? `Credit packs saved: ${reply.packs.map((pack) => pack.name).join(", ")}.` : "Credit packs saved: none on sale.");
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const update = (index: number, change: Partial<CreditPack>) =>
    setPacks((all) => all.map((pack, i) => (i === index ? { ...pack, ...change } : pack)));
  const number = (value: string) => (value === "" ? 0 : Number(value));
  const errors = formErrors(save.error, FIELDS);
  const add = () => setPacks((all) => [...all, { name: "", units: 1000, priceCents: 500, currency: "usd" }]);
  return (
    <section className="card" aria-labelledby="packs-title" id="credit-packs">
      <h2 id="packs-title">Credit packs</h2>
      <p className="hint">Prepaid units your users buy once; they pay for calls beyond their tier&apos;s monthly units.</p>
      <QueryStatus query={stored} loading="Loading credit packs…" what="credit packs" />
      {packs.length === 0 && stored.isSuccess && (
        <p className="empty">No credit packs yet: add one so your users can prepay for units.</p>
      )}
      <div className="tier-editor">
        {packs.map((pack, index) => {
          const n = index + 1;
          const prefix = `Pack ${n}`;
          return (
            <fieldset key={index} data-testid={`pack-${index}`}>
              <legend>Pack {n}{pack.name ? `: ${pack.name}` : ""}</legend>
              <div className="field-grid">
                <Field prefix={prefix} errors={errors} path={`${index}.name`} label="Name">
                  {(props) => <input value={pack.name} onChange={(e) => update(index, { name: e.target.value })} {...props} />}
                </Field>
                <Field prefix={prefix} errors={errors} path={`${index}.units`} label="Units">
                  {(props) => <input type="number" value={pack.units} onChange={(e) => update(index, { units: number(e.target.value) })} {...props} />}
                </Field>
                <Field prefix={prefix} errors={errors} path={`${index}.priceCents`} label="Price (cents)">
                  {(props) => <input type="number" value={pack.priceCents} onChange={(e) => update(index, { priceCents: number(e.target.value) })} {...props} />}
                </Field>
                <Field prefix={prefix} errors={errors} path={`${index}.currency`} label="Currency">
                  {(props) => <input value={pack.currency ?? "usd"} onChange={(e) => update(index, { currency: e.target.value })} {...props} />}
                </Field>
                <Field prefix={prefix} errors={errors} path={`${index}.stripePriceId`} label="Stripe price (optional)">
                  {(props) => <input value={pack.stripePriceId ?? ""} placeholder="price_…" onChange={(e) => update(index, { stripePriceId: e.target.value })} {...props} />}
                </Field>
              </div>
              <button className="secondary" onClick={() => setPacks((all) => all.filter((_, i) => i !== index))}>
                Remove<span className="visually-hidden"> pack {n}</span>
              </button>
            </fieldset>
          );
        })}
      </div>
      <FormErrorSummary errors={errors} what="Credit packs" testId="pack-problems" />
      <div className="actions">
        <button className="secondary" onClick={add}>Add pack</button>
        <button data-testid="save-packs" disabled={save.isPending} onClick={() => save.mutate(packs)}>
          {save.isPending ? "Saving…" : "Save packs"}
        </button>
      </div>
    </section>
  );
}
