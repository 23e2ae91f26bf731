import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useId, useState, type FormEvent } from "react";
import { useSession } from "../auth/context";
import { apiMulti, bearer, unwrap, type ApiMultiReply } from "../client";
import { Field, FormErrorSummary } from "../dashboard/FormErrors";
import { formErrors } from "../dashboard/fieldErrors";
import { useToast } from "../dashboard/toast";
import { queryKeys } from "../hooks/queryKeys";
import { QueryStatus } from "./QueryStatus";

type AlertSettings = ApiMultiReply<"get_api_developer_alerts">;

/** When webhook endpoints hear about usage: percent thresholds of a tier's units, a low balance. */
export function AlertsCard({ platformId }: { platformId: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const toast = useToast();
  const queryKey = queryKeys.alerts(session.userId, platformId);
  const stored = useQuery({
    queryKey,
    queryFn: async () => unwrap(apiMulti.GET("/api/developer/alerts", { headers: bearer(await session.getToken()) })),
  });
  const [thresholds, setThresholds] = useState("");
  const [creditsBelow, setCreditsBelow] = useState("");
  const hintId = useId();
  useEffect(() => {
    if (!stored.data) return;
    setThresholds(stored.data.usageThresholds.join(", "));
    setCreditsBelow(stored.data.creditsBelow === null ? "" : String(stored.data.creditsBelow));
  }, [stored.data]);
  const save = useMutation({
    mutationFn: async ({ thresholds, creditsBelow }: { thresholds: string; creditsBelow: string }) => {
      const usageThresholds = thresholds.split(",").map((part) => part.trim()).filter(Boolean).map(Number);
      const body = { usageThresholds, ...(creditsBelow.trim() ? { creditsBelow: Number(creditsBelow) } : {}) };
      return unwrap(apiMulti.PUT("/api/developer/alerts", { headers: bearer(await session.getToken()), body }));
    },
    onSuccess: async (reply: AlertSettings) => {
      queryClient.setQueryData(queryKey, reply);
      toast(
        `Alerts saved: ${reply.usageThresholds.length ? `at ${reply.usageThresholds.join("%, ")}%` : "no thresholds"}` +
          (reply.creditsBelow === null ? "." : `, and below ${reply.creditsBelow} credits.`),
      );
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({ thresholds, creditsBelow });
  };
  const none = stored.data && stored.data.usageThresholds.length === 0 && stored.data.creditsBelow === null;
  const errors = formErrors(save.error, ["usageThresholds", "creditsBelow"]);
  return (
    <section className="card" aria-labelledby="alerts-title">
      <h2 id="alerts-title">Usage alerts</h2>
      <p className="hint" id={hintId}>
        Your webhook endpoints get <code>usage.threshold_crossed</code> once per user and month at each threshold,
        and <code>credits.low</code> when a balance falls below the mark.
      </p>
      <QueryStatus query={stored} loading="Loading alert settings…" what="alert settings" />
      {none && <p className="empty">No alerts set yet: add thresholds below.</p>}
      <form className="alerts-form" onSubmit={submit}>
        <Field errors={errors} path="usageThresholds" label="Thresholds (% of monthly units, comma-separated)">
          {(props) => <input value={thresholds} onChange={(e) => setThresholds(e.target.value)} {...props} />}
        </Field>
        <Field errors={errors} path="creditsBelow" label="Credits below (optional)">
          {(props) => <input type="number" min={1} value={creditsBelow} onChange={(e) => setCreditsBelow(e.target.value)} {...props} />}
        </Field>
        <button type="submit" data-testid="save-alerts" disabled={save.isPending}>{save.isPending ? "Saving…" : "Save alerts"}</button>
      </form>
      <FormErrorSummary errors={errors} what="Alerts" testId="alerts-error" />
    </section>
  );
}
