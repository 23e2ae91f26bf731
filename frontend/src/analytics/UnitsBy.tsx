// Units of calls through the gateway by route (generic routes) and by model (AI routes): a table
// each, largest first, with a bar in every row that shows its share.
import { Link } from "react-router-dom";

type Units = Record<string, number>;

export function UnitsBy({ byRoute, byModel, testId, empty }: { byRoute: Units; byModel: Units; testId: string; empty: string }) {
  const none = Object.keys(byRoute).length === 0 && Object.keys(byModel).length === 0;
  if (none) {
    return (
      <p className="empty" data-testid={`${testId}-empty`}>
        {empty} Calls through your <Link to="/dashboard/gateway">gateway</Link> show up here by route and by model.
      </p>
    );
  }
  return (
    <div className="two-columns units-by">
      <UnitsTable units={byRoute} what="Route" testId={`${testId}-route`} caption="By route (generic routes)" none="No calls to generic routes." />
      <UnitsTable units={byModel} what="Model" testId={`${testId}-model`} caption="By model (AI routes)" none="No calls to AI routes." />
    </div>
  );
}

function UnitsTable({ units, what, testId, caption, none }: { units: Units; what: string; testId: string; caption: string; none: string }) {
  const rows = Object.entries(units).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const most = Math.max(1, ...rows.map(([, value]) => value));
  const total = rows.reduce((sum, [, value]) => sum + value, 0);
  return (
    <div className="table-scroll units-table" tabIndex={0} role="region" aria-label={caption}>
      <table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr><th scope="col">{what}</th><th scope="col" className="number">Units</th><th scope="col"><span className="visually-hidden">Share</span></th></tr>
        </thead>
        <tbody>
          {rows.length === 0 && (
            <tr><td colSpan={3} className="empty">{none}</td></tr>
          )}
          {rows.map(([name, value]) => (
            <tr key={name}>
              <th scope="row"><code>{name}</code></th>
              <td className="number">{value.toLocaleString()}</td>
              <td className="share-cell">
                <span className="share-bar" style={{ width: `${Math.max(2, (100 * value) / most)}%` }} aria-hidden="true" />
                <span className="visually-hidden">{total ? `${Math.round((100 * value) / total)}%` : ""}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
