import { useState, type FormEvent } from "react";
import { useSession } from "../auth/context";
import {
  ApiError,
  call,
  WEBHOOK_EVENT_TYPES,
  type NewWebhookEndpoint,
  type WebhookEndpoint,
  type WebhookEndpointList,
} from "../api";
import { config } from "../config";
import { useLoad } from "../useLoad";
import { WebhookDeliveries } from "./WebhookDeliveries";

/** The developer's webhook endpoints: add one (its signing secret is shown once), test, delete. */
export function WebhooksCard() {
  const session = useSession();
  const endpoints = useLoad(
    async () => call<WebhookEndpointList>(config.apiMulti, "/api/developer/webhooks", { token: await session.getToken() }),
    [session.userId],
  );
  const [created, setCreated] = useState<NewWebhookEndpoint | null>(null);
  const [error, setError] = useState<string | null>(null);
  const act = async (action: () => Promise<unknown>): Promise<boolean> => {
    setError(null);
    try {
      await action();
      endpoints.reload();
      return true;
    } catch (failure) {
      setError((failure as ApiError).message);
      return false;
    }
  };
  const add = (wanted: WantedEndpoint) =>
    act(async () =>
      setCreated(
        await call<NewWebhookEndpoint>(config.apiMulti, "/api/developer/webhooks", {
          method: "POST",
          token: await session.getToken(),
          body: wanted.description ? wanted : { url: wanted.url, events: wanted.events },
        }),
      ),
    );
  const remove = (endpoint: WebhookEndpoint) =>
    window.confirm(`Delete the endpoint ${endpoint.url}? Events owed to it are dropped.`) &&
    act(async () => {
      await call(config.apiMulti, `/api/developer/webhooks/${endpoint.id}`, { method: "DELETE", token: await session.getToken() });
      if (created?.id === endpoint.id) setCreated(null);
    });
  const list = endpoints.data?.endpoints ?? [];
  return (
    <section className="card" aria-labelledby="webhooks-title">
      <h2 id="webhooks-title">Webhooks</h2>
      <p className="hint">
        Signed the <a href="https://www.standardwebhooks.com/">Standard Webhooks</a> way; failed deliveries are retried
        for a day.
      </p>
      {endpoints.loading && !endpoints.data && <p role="status">Loading endpoints…</p>}
      {endpoints.error && <p className="error" role="alert">{endpoints.error.message}</p>}
      {created && (
        <div className="secret" role="alert">
          <p><strong>Copy the signing secret of {created.url} now: it is shown only once.</strong></p>
          <code data-testid="webhook-secret">{created.secret}</code>
        </div>
      )}
      {list.length === 0 && !endpoints.loading && <p className="empty">No webhook endpoints yet.</p>}
      {list.map((endpoint) => (
        <article key={endpoint.id} className="endpoint" data-testid="webhook-endpoint">
          <h3><code>{endpoint.url}</code></h3>
          <p className="hint">{endpoint.description ? `${endpoint.description} · ` : ""}{endpoint.events.join(", ")}</p>
          <WebhookDeliveries endpoint={endpoint} onError={setError} />
          <button className="secondary" onClick={() => remove(endpoint)}>Delete endpoint</button>
        </article>
      ))}
      {error && <p className="error" role="alert" data-testid="webhook-error">{error}</p>}
      <AddEndpointForm onAdd={add} />
    </section>
  );
}

type WantedEndpoint = { url: string; events: string[]; description: string };

function AddEndpointForm({ onAdd }: { onAdd: (wanted: WantedEndpoint) => Promise<boolean> }) {
  const [url, setUrl] = useState("");
  const [description, setDescription] = useState("");
  const [events, setEvents] = useState<string[]>([...WEBHOOK_EVENT_TYPES]);
  const toggle = (type: string) =>
    setEvents((chosen) => (chosen.includes(type) ? chosen.filter((t) => t !== type) : [...chosen, type]));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await onAdd({ url: url.trim(), events, description: description.trim() })) {
      setUrl("");
      setDescription("");
      setEvents([...WEBHOOK_EVENT_TYPES]);
    }
  };
  return (
    <form onSubmit={submit} className="endpoint-form" aria-labelledby="add-webhook-title">
      <h3 id="add-webhook-title">Add an endpoint</h3>
      <label>Endpoint URL <input type="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/webhooks" required /></label>
      <label>Description (optional) <input value={description} onChange={(e) => setDescription(e.target.value)} /></label>
      <fieldset>
        <legend>Events</legend>
        {WEBHOOK_EVENT_TYPES.map((type) => (
          <label key={type} className="inline">
            <input type="checkbox" checked={events.includes(type)} onChange={() => toggle(type)} /> <code>{type}</code>
          </label>
        ))}
      </fieldset>
      <button type="submit" data-testid="add-webhook">Add endpoint</button>
    </form>
  );
}
