import { costText, routeKind, routeLabel, type GatewayShown } from "./model";

const KIND = { http: "HTTP", openai: "OpenAI", anthropic: "Anthropic" } as const;

/** The routes end users may call, what each costs, and where each goes. */
export function RoutesTable({ gateway }: { gateway: GatewayShown }) {
  return (
    <>
      <p className="hint">
        {gateway.routes.length === 1 ? "1 route" : `${gateway.routes.length} routes`}, matched in this order; any other path is
        refused (404 <code>no_route</code>) before it reaches your origin.
      </p>
      {/* a keyboard stop of its own: on a narrow screen the table scrolls sideways inside it */}
      <div className="table-scroll" tabIndex={0} role="region" aria-label="Routes">
      <table data-testid="gateway-routes" className="wrap-cells">
        <caption className="visually-hidden">Routes, what each costs, and where each goes</caption>
        <thead>
          <tr>
            <th scope="col">Route</th><th scope="col">Kind</th><th scope="col">Cost</th><th scope="col">Metered on</th>
            <th scope="col">Goes to</th>
          </tr>
        </thead>
        <tbody>
          {gateway.routes.map((route) => {
            const headers = Object.keys(route.upstreamHeaders ?? {});
            return (
              <tr key={routeLabel(route)} data-testid="gateway-route-row">
                <th scope="row"><code>{routeLabel(route)}</code></th>
                <td>{KIND[routeKind(route)]}</td>
                <td>{costText(route)}</td>
                <td>{route.meterOn === "any" ? "any answer but a 5xx" : "2xx answers"}</td>
                <td>
                  {route.upstream ? <code>{route.upstream}</code> : "the upstream"}
                  {headers.length > 0 && <> with its own <code>{headers.join(", ")}</code></>}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      </div>
    </>
  );
}
