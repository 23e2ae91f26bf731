import { useEffect, useState } from "react";
import { useSession } from "../auth/context";
import { ApiError, call, type WebhookDelivery, type WebhookDeliveryList, type WebhookEndpoint } from "../api";
import { config } from "../config";

const POLL_MS = 2000; // while a delivery is still pending, how often the list refreshes

/** One endpoint's latest deliveries: send a test, see each attempt's outcome, retry one. */
export function WebhookDeliveries({ endpoint, onError }: { endpoint: WebhookEndpoint; onError: (message: string) => void }) {
  const session = useSession();
  const [deliveries, setDeliveries] = useState<WebhookDelivery[] | null>(null);
  const path = `/api/developer/webhooks/${endpoint.id}`;
  const request = async (suffix: string, method = "GET") =>
    call<WebhookDeliveryList & WebhookDelivery>(config.apiMulti, `${path}${suffix}`, { method, token: await session.getToken() });
  const load = async () => setDeliveries((await request("/deliveries")).deliveries);
  const run = async (action: () => Promise<unknown>) => {
    try {
      await action();
      await load();
    } catch (failure) {
      onError((failure as ApiError).message);
    }
  };
  const pending = deliveries?.some((delivery) => delivery.state === "pending") ?? false;
  useEffect(() => {
    if (!pending) return;
    const timer = window.setTimeout(() => run(async () => undefined), POLL_MS);
    return () => window.clearTimeout(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [deliveries]);
  return (
    <>
      <div className="actions">
        <button className="secondary" data-testid="send-test" onClick={() => run(() => request("/test", "POST"))}>Send test event</button>
        <button className="secondary" onClick={() => run(async () => undefined)}>{deliveries ? "Refresh deliveries" : "Show deliveries"}</button>
      </div>
      {deliveries && deliveries.length === 0 && <p className="empty">No deliveries yet.</p>}
      {deliveries && deliveries.length > 0 && (
        <div className="table-scroll">
          <table data-testid="deliveries">
            <caption className="hint">Latest deliveries to this endpoint{pending ? " (refreshing while pending)" : ""}</caption>
            <thead>
              <tr><th>Event</th><th>State</th><th>Attempts</th><th>Last status</th><th>Next attempt</th><th><span className="visually-hidden">Action</span></th></tr>
            </thead>
            <tbody>
              {deliveries.map((delivery) => (
                <tr key={delivery.id}>
                  <td><code title={delivery.eventId}>{delivery.type}</code></td>
                  <td data-testid="delivery-state">{delivery.state}</td>
                  <td>{delivery.attempts}</td>
                  <td>{delivery.lastStatus ?? delivery.lastError ?? "–"}</td>
                  <td>{delivery.nextAttemptAt ? new Date(delivery.nextAttemptAt).toLocaleString() : "–"}</td>
                  <td>
                    {delivery.state !== "pending" && (
                      <button className="link" onClick={() => run(() => request(`/deliveries/${delivery.id}/retry`, "POST"))}>
                        Retry<span className="visually-hidden"> {delivery.type}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
