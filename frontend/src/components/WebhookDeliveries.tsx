import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useSession } from "../auth/context";
import { apiMulti, bearer, unwrap, type ApiMultiReply } from "../client";
import { useToast } from "../dashboard/toast";
import { queryKeys } from "../hooks/queryKeys";
import { ErrorAlert, QueryStatus } from "./QueryStatus";
import type { WebhookEndpoint } from "./WebhooksCard";

type DeliveryList = ApiMultiReply<"get_api_developer_webhooks_endpointId_deliveries">;

const POLL_MS = 2000; // while a delivery is still pending, how often the list refreshes

const isPending = (list: DeliveryList | undefined) =>
  list?.deliveries?.some((delivery) => delivery.state === "pending") ?? false;

/** One endpoint's latest deliveries (loaded on demand): send a test, see each attempt, retry one. */
export function WebhookDeliveries({ platformId, endpoint }: { platformId: string; endpoint: WebhookEndpoint }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const toast = useToast();
  const [shown, setShown] = useState(false);
  const queryKey = queryKeys.deliveries(session.userId, platformId, endpoint.id);
  const path = { endpointId: endpoint.id };
  const deliveries = useQuery({
    queryKey,
    queryFn: async () =>
      unwrap(
        apiMulti.GET("/api/developer/webhooks/{endpointId}/deliveries", {
          headers: bearer(await session.getToken()),
          params: { path },
        }),
      ),
    enabled: shown,
    refetchInterval: (query) => (isPending(query.state.data) ? POLL_MS : false),
  });
  const action = useMutation({
    mutationFn: async (what: { kind: "test" } | { kind: "retry"; deliveryId: string }) => {
      const headers = bearer(await session.getToken());
      return what.kind === "test"
        ? unwrap(apiMulti.POST("/api/developer/webhooks/{endpointId}/test", { headers, params: { path } }))
        : unwrap(
            apiMulti.POST("/api/developer/webhooks/{endpointId}/deliveries/{deliveryId}/retry", {
              headers,
              params: { path: { ...path, deliveryId: what.deliveryId } },
            }),
          );
    },
    onSuccess: async (_, what) => {
      setShown(true);
      toast(what.kind === "test" ? "Test event queued: its delivery shows below." : "Delivery queued again.");
      await queryClient.invalidateQueries({ queryKey });
    },
  });
  const list = shown ? deliveries.data?.deliveries : undefined;
  const pending = isPending(deliveries.data);
  return (
    <>
      <div className="actions">
        <button className="secondary" data-testid="send-test" disabled={action.isPending} onClick={() => action.mutate({ kind: "test" })}>
          Send test event
        </button>
        <button
          className="secondary"
          disabled={deliveries.isFetching}
          onClick={() => (shown ? deliveries.refetch() : setShown(true))}
        >
          {list ? "Refresh deliveries" : "Show deliveries"}
        </button>
      </div>
      {shown && <QueryStatus query={deliveries} loading="Loading deliveries…" what="deliveries" />}
      <ErrorAlert error={action.error} />
      {list && list.length === 0 && <p className="empty">No deliveries yet: send a test event to see one.</p>}
      {list && list.length > 0 && (
        <div className="table-scroll">
          <table data-testid="deliveries">
            <caption className="hint">Latest deliveries to this endpoint{pending ? " (refreshing while pending)" : ""}</caption>
            <thead>
              <tr>
                <th scope="col">Event</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Last status</th>
                <th scope="col">Next attempt</th><th scope="col"><span className="visually-hidden">Action</span></th>
              </tr>
            </thead>
            <tbody>
              {list.map((delivery) => (
                <tr key={delivery.id}>
                  <td><code title={delivery.eventId}>{delivery.type}</code></td>
                  <td data-testid="delivery-state">{delivery.state}</td>
                  <td>{delivery.attempts}</td>
                  <td>{delivery.lastStatus ?? delivery.lastError ?? "–"}</td>
                  <td>{delivery.nextAttemptAt ? new Date(delivery.nextAttemptAt).toLocaleString() : "–"}</td>
                  <td>
                    {delivery.state !== "pending" && (
                      <button
                        className="link"
                        disabled={action.isPending}
                        onClick={() => action.mutate({ kind: "retry", deliveryId: delivery.id })}
                      >
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
