import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useSession } from "../auth/context";
import { apiMulti, bearer, unwrap, type ApiMultiReply } from "../client";
import { Field, FormErrorSummary } from "../dashboard/FormErrors";
import { formErrors, type FormErrors } from "../dashboard/fieldErrors";
import { useToast } from "../dashboard/toast";
import { queryKeys } from "../hooks/queryKeys";
import { QueryStatus } from "./QueryStatus";

type TierList = ApiMultiReply<"get_api_tiers">;
type Tier = TierList["tiers"][number];
type Overage = NonNullable<Tier["overage"]>;

const FIELDS = [
  "name", "limit", "rateLimit", "priceCents", "stripePriceId",
  "overage.stripePriceId", "overage.meterEventName", "overage.unitPriceCents", "overage.maxUnits",
] as const;
const NEW_OVERAGE: Overage = { stripePriceId: "", meterEventName: "api_units", unitPriceCents: 1, maxUnits: null };

/** The tiers the public tier page offers (from /api/tiers, so the defaults until the developer
 * saves their own). */
export function useTiers(platformId: string, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: queryKeys.tiers(platformId),
    queryFn: () => unwrap(apiMulti.GET("/api/tiers", { params: { query: { platformId } } })),
    enabled,
  });
}

/** The tiers the developer's end users subscribe to (edited here, published on /p/:platformId),
 * each with optional overage billing; the API's problems are shown at the fields they name. */
export function TiersCard({ platformId }: { platformId: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const toast = useToast();
  const queryKey = queryKeys.tiers(platformId);
  const stored = useTiers(platformId);
  const [tiers, setTiers] = useState<Tier[]>([]);
  useEffect(() => setTiers(stored.data?.tiers ?? []), [stored.data]);
  const save = useMutation({
    mutationFn: async (edited: Tier[]) => {
      // currency is not edited here: it is sent back as it was loaded
      const body = edited.map(({ name, limit, rateLimit, priceCents, currency, stripePriceId, default: isDefault, overage }) => ({
        name, limit, rateLimit, priceCents, currency, stripePriceId: stripePriceId || null, default: Boolean(isDefault), overage,
      }));
      return unwrap(apiMulti.PUT("/api/developer/tiers", { headers: bearer(await session.getToken()), body: { tiers: body } }));
    },
    onSuccess: async (reply: TierList) => {
      queryClient.setQueryData(queryKey, { ...reply, source: "custom" });
      setTiers(reply.tiers);
      toast(`Tiers saved: ${reply.tiers.map((tier) => tier.name).join(", ")}.`);
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const update = (index: number, change: Partial<Tier>) =>
    setTiers((all) => all.map((tier, i) => (i === index ? { ...tier, ...change } : tier)));
  const errors = formErrors(save.error, FIELDS);
  return (
    <section className="card" aria-labelledby="tiers-title" id="tiers">
      <h2 id="tiers-title">Tiers</h2>
      <p className="hint">
        What your end users get each month, and what it costs them. A tier with a Stripe price can be bought on your
        public page once Stripe is connected.
      </p>
      <QueryStatus query={stored} loading="Loading tiers…" what="tiers" />
      {stored.data?.source === "default" && (
        <p className="empty" data-testid="default-tiers">
          You are using the default tiers (free: 5 calls a month, paid: 500). Edit them and save to make them yours.
        </p>
      )}
      {stored.isSuccess && tiers.length === 0 && <p className="empty">No tiers: add one, then save.</p>}
      <div className="tier-editor">
        {tiers.map((tier, index) => (
          <TierFields
            key={index}
            tier={tier}
            index={index}
            errors={errors}
            onChange={(change) => update(index, change)}
            onDefault={() => setTiers((all) => all.map((t, i) => ({ ...t, default: i === index })))}
            onRemove={() => setTiers((all) => all.filter((_, i) => i !== index))}
          />
        ))}
      </div>
      <FormErrorSummary errors={errors} what="Tiers" testId="tier-problems" />
      <div className="actions">
        <button className="secondary" onClick={() => setTiers((all) => [...all, { name: "", limit: 100, rateLimit: 100, priceCents: 0, default: all.length === 0 }])}>Add tier</button>
        <button data-testid="save-tiers" disabled={save.isPending} onClick={() => save.mutate(tiers)}>
          {save.isPending ? "Saving…" : "Save tiers"}
        </button>
      </div>
    </section>
  );
}

function TierFields({
  tier,
  index,
  errors,
  onChange,
  onDefault,
  onRemove,
}: {
  tier: Tier;
  index: number;
  errors: FormErrors;
  onChange: (change: Partial<Tier>) => void;
  onDefault: () => void;
  onRemove: () => void;
}) {
  const n = index + 1;
  const number = (value: string) => (value === "" ? 0 : Number(value));
  const overage = tier.overage ?? null;
  const setOverage = (change: Partial<Overage>) => overage && onChange({ overage: { ...overage, ...change } });
  return (
    <fieldset data-testid={`tier-${index}`}>
      <legend>Tier {n}{tier.name ? `: ${tier.name}` : ""}</legend>
      <div className="field-grid">
        <Field prefix={`Tier ${n}`} errors={errors} path={`${index}.name`} label="Name">
          {(props) => <input value={tier.name} onChange={(e) => onChange({ name: e.target.value })} {...props} />}
        </Field>
        <Field prefix={`Tier ${n}`} errors={errors} path={`${index}.limit`} label="Units a month">
          {(props) => <input type="number" value={tier.limit} onChange={(e) => onChange({ limit: number(e.target.value) })} {...props} />}
        </Field>
        <Field prefix={`Tier ${n}`} errors={errors} path={`${index}.rateLimit`} label="Calls a minute">
          {(props) => <input type="number" value={tier.rateLimit ?? 100} onChange={(e) => onChange({ rateLimit: number(e.target.value) })} {...props} />}
        </Field>
        <Field prefix={`Tier ${n}`} errors={errors} path={`${index}.priceCents`} label="Price (cents a month)">
          {(props) => <input type="number" value={tier.priceCents ?? 0} onChange={(e) => onChange({ priceCents: number(e.target.value) })} {...props} />}
        </Field>
        <Field prefix={`Tier ${n}`} errors={errors} path={`${index}.stripePriceId`} label="Stripe price">
          {(props) => <input value={tier.stripePriceId ?? ""} placeholder="price_…" onChange={(e) => onChange({ stripePriceId: e.target.value })} {...props} />}
        </Field>
      </div>
      <div className="actions tier-row-actions">
        <label className="inline">
          <input type="radio" name="default-tier" checked={Boolean(tier.default)} onChange={onDefault} /> Default tier
          <span className="visually-hidden"> (tier {n})</span>
        </label>
        <label className="inline">
          <input
            type="checkbox"
            checked={overage !== null}
            onChange={(e) => onChange({ overage: e.target.checked ? { ...NEW_OVERAGE } : null })}
          />{" "}
          Bill units past the limit (overage)<span className="visually-hidden"> for tier {n}</span>
        </label>
        <button className="secondary" onClick={onRemove}>
          Remove<span className="visually-hidden"> tier {n}</span>
        </button>
      </div>
      {overage && (
        <div className="field-grid overage-fields" data-testid={`tier-${index}-overage`}>
          <Field prefix={`Tier ${n}`} errors={errors} path={`${index}.overage.stripePriceId`} label="Metered Stripe price">
            {(props) => <input value={overage.stripePriceId} placeholder="price_…" onChange={(e) => setOverage({ stripePriceId: e.target.value })} {...props} />}
          </Field>
          <Field prefix={`Tier ${n}`} errors={errors} path={`${index}.overage.meterEventName`} label="Meter event name">
            {(props) => <input value={overage.meterEventName} onChange={(e) => setOverage({ meterEventName: e.target.value })} {...props} />}
          </Field>
          <Field prefix={`Tier ${n}`} errors={errors} path={`${index}.overage.unitPriceCents`} label="Cents a unit">
            {(props) => <input type="number" value={overage.unitPriceCents} onChange={(e) => setOverage({ unitPriceCents: number(e.target.value) })} {...props} />}
          </Field>
          <Field prefix={`Tier ${n}`} errors={errors} path={`${index}.overage.maxUnits`} label="Most units a month (optional)">
            {(props) => (
              <input
               
                type="number"
                value={overage.maxUnits ?? ""}
                onChange={(e) => setOverage({ maxUnits: e.target.value === "" ? null : Number(e.target.value) })}
                {...props}
              />
            )}
          </Field>
        </div>
      )}
    </fieldset>
  );
}
