import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useSession } from "../auth/context";
import { apiMulti, bearer, unwrap, type ApiMultiReply } from "../client";
import { Field, FormErrorSummary } from "../dashboard/FormErrors";
import { formErrors, type FormErrors } from "../dashboard/fieldErrors";
import { useToast } from "../dashboard/toast";
import { queryKeys } from "../hooks/queryKeys";
import { ErrorAlert, QueryStatus } from "./QueryStatus";
import { WebhookDeliveries } from "./WebhookDeliveries";

type NewWebhookEndpoint = ApiMultiReply<"post_api_developer_webhooks">;
export type WebhookEndpoint = NonNullable<ApiMultiReply<"get_api_developer_webhooks">["endpoints"]>[number];
type WebhookEventType = NewWebhookEndpoint["events"][number];

/** The event types an endpoint can subscribe to (all of them by default). */
const WEBHOOK_EVENT_TYPES: readonly WebhookEventType[] = [
  "usage.threshold_crossed",
  "usage.limit_reached",
  "credits.low",
  "subscription.updated",
];

type WantedEndpoint = { url: string; events: WebhookEventType[]; description: string };

/** The developer's webhook endpoints: add one (its signing secret is shown once), test, delete. */
export function WebhooksCard({ platformId }: { platformId: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const toast = useToast();
  const queryKey = queryKeys.webhooks(session.userId, platformId);
  const endpoints = useQuery({
    queryKey,
    queryFn: async () => unwrap(apiMulti.GET("/api/developer/webhooks", { headers: bearer(await session.getToken()) })),
  });
  const [created, setCreated] = useState<NewWebhookEndpoint | null>(null);
  const add = useMutation({
    mutationFn: async (wanted: WantedEndpoint) =>
      unwrap(
        apiMulti.POST("/api/developer/webhooks", {
          headers: bearer(await session.getToken()),
          body: wanted.description ? wanted : { url: wanted.url, events: wanted.events },
        }),
      ),
    onMutate: (): void => remove.reset(),
    onSuccess: async (endpoint) => {
      setCreated(endpoint);
      toast(`Endpoint added: ${endpoint.url}. Copy its signing secret now.`);
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const remove = useMutation({
    mutationFn: async (endpoint: WebhookEndpoint) =>
      unwrap(
        apiMulti.DELETE("/api/developer/webhooks/{endpointId}", {
          headers: bearer(await session.getToken()),
          params: { path: { endpointId: endpoint.id } },
        }),
      ),
    onMutate: (): void => add.reset(),
    onSuccess: async (_, endpoint) => {
      setCreated((current) => (current?.id === endpoint.id ? null : current));
      toast(`Endpoint deleted: ${endpoint.url}.`);
      queryClient.removeQueries({ queryKey: queryKeys.deliveries(session.userId, platformId, endpoint.id) });
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const confirmRemove = (endpoint: WebhookEndpoint) => {
    if (window.confirm(`Delete the endpoint ${endpoint.url}? Events owed to it are dropped.`)) remove.mutate(endpoint);
  };
  const list = endpoints.data?.endpoints ?? [];
  return (
    <section className="card" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p className="hint">
        Signed the <a href="https://www.standardwebhooks.com/">Standard Webhooks</a> way; failed deliveries are retried
        for a day.
      </p>
      <QueryStatus query={endpoints} loading="Loading endpoints…" what="webhook endpoints" />
      {created && (
        <div className="secret" role="alert">
          <p><strong>Copy the signing secret of {created.url} now: it is shown only once.</strong></p>
          <code data-testid="webhook-secret">{created.secret}</code>
        </div>
      )}
      {list.length === 0 && endpoints.isSuccess && (
        <p className="empty">No webhook endpoints yet: add one below to hear when your users near their limits.</p>
      )}
      {list.map((endpoint) => (
        <article key={endpoint.id} className="endpoint" data-testid="webhook-endpoint" aria-labelledby={`endpoint-${endpoint.id}`}>
          <h3 id={`endpoint-${endpoint.id}`}><code>{endpoint.url}</code></h3>
          <p className="hint">{endpoint.description ? `${endpoint.description} · ` : ""}{endpoint.events.join(", ")}</p>
          <WebhookDeliveries platformId={platformId} endpoint={endpoint} />
          <button className="secondary" disabled={remove.isPending} onClick={() => confirmRemove(endpoint)}>
            Delete endpoint<span className="visually-hidden"> {endpoint.url}</span>
          </button>
        </article>
      ))}
      <ErrorAlert error={remove.error} testId="webhook-error" />
      <AddEndpointForm
        errors={formErrors(add.error, ["url", "events", "description"], { invalid_webhook_url: "url" })}
        onAdd={(wanted) => add.mutateAsync(wanted).then(() => true, () => false)}
      />
    </section>
  );
}

function AddEndpointForm({ onAdd, errors }: { onAdd: (wanted: WantedEndpoint) => Promise<boolean>; errors: FormErrors }) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<WebhookEventType[]>([...WEBHOOK_EVENT_TYPES]);
  const [busy, setBusy] = useState(false);
  const toggle = (type: WebhookEventType) =>
    setEvents((chosen) => (chosen.includes(type) ? chosen.filter((t) => t !== type) : [...chosen, type]));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const added = await onAdd({ url: url.trim(), events, description: description.trim() });
    setBusy(false);
    if (added) {
      setUrl("");
      setDescription("");
      setEvents([...WEBHOOK_EVENT_TYPES]);
    }
  };
  return (
    <form onSubmit={submit} className="endpoint-form" aria-labelledby="add-webhook-title">
      <h3 id="add-webhook-title">Add an endpoint</h3>
      <Field errors={errors} path="url" label="Endpoint URL">
        {(props) => <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/webhooks" required {...props} />}
      </Field>
      <Field errors={errors} path="description" label="Description (optional)">
        {(props) => <input value={description} onChange={(e) => setDescription(e.target.value)} {...props} />}
      </Field>
      <fieldset>
        <legend>Events</legend>
        {WEBHOOK_EVENT_TYPES.map((type) => (
          <label key={type} className="inline">
            <input type="checkbox" checked={events.includes(type)} onChange={() => toggle(type)} /> <code>{type}</code>
          </label>
        ))}
      </fieldset>
      <FormErrorSummary errors={errors} what="Endpoint" testId="add-webhook-error" />
      <button type="submit" data-testid="add-webhook" disabled={busy}>{busy ? "Adding…" : "Add endpoint"}</button>
    </form>
  );
}
