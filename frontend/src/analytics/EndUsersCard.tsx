import { useEffect, useState, type FormEvent } from "react";
import { Link } from "react-router-dom";
import { useUrlState } from "../dashboard/useUrlState";
import { QueryStatus } from "../components/QueryStatus";
import { useEndUsers, type TableQuery } from "./queries";
import { seconds } from "./format";
import "./analytics.css";

const SORTS: { value: TableQuery["sort"]; label: string }[] = [
  { value: "usage", label: "Usage" },
  { value: "percent", label: "% of limit" },
  { value: "credits", label: "Credits" },
  { value: "tier", label: "Tier" },
  { value: "user", label: "User id" },
];

const PAGE_SIZE = 25;

function readQuery(params: URLSearchParams): TableQuery {
  const sort = SORTS.find((known) => known.value === params.get("sort"))?.value ?? "usage";
  const order = params.get("order") === "asc" ? "asc" : "desc";
  const page = Math.max(1, Math.floor(Number(params.get("page") ?? "1")) || 1);
  return { search: params.get("search") ?? "", sort, order, page, pageSize: PAGE_SIZE };
}

function writeQuery(query: TableQuery): URLSearchParams {
  const wanted = new URLSearchParams();
  if (query.search) wanted.set("search", query.search);
  if (query.sort !== "usage") wanted.set("sort", query.sort);
  if (query.order !== "desc") wanted.set("order", query.order);
  if (query.page > 1) wanted.set("page", String(query.page));
  return wanted;
}

/** The table's state, kept in the URL (?search=&sort=&order=&page=): a view can be linked to, and
 * the back button returns to it. */
function useTableQuery(): [TableQuery, (next: TableQuery) => void] {
  return useUrlState(readQuery, writeQuery);
}

/** The platform's end users: search by id, sort, pages; who is at or over their limit. */
export function EndUsersCard({ platformId }: { platformId: string }) {
  const [query, setQuery] = useTableQuery();
  const [searchText, setSearchText] = useState(query.search);
  useEffect(() => setSearchText(query.search), [query.search]); // back and forward bring theirs
  const users = useEndUsers(platformId, query);
  const data = users.data;
  const search = (event: FormEvent) => {
    event.preventDefault();
    setQuery({ ...query, search: searchText.trim(), page: 1 });
  };
  return (
    <section className="card" aria-labelledby="end-users-title">
      <h2 id="end-users-title">Usage this month</h2>
      <div className="table-controls">
        <form onSubmit={search} role="search" aria-label="End users" className="inline">
          <div>
            <label htmlFor="end-user-search">Search by user id</label>
            <input id="end-user-search" value={searchText} onChange={(e) => setSearchText(e.target.value)} maxLength={128} />
          </div>
          <button type="submit" className="secondary">Search</button>
        </form>
        <div>
          <label htmlFor="end-user-sort">Sort by</label>
          <select
            id="end-user-sort"
            value={query.sort}
            onChange={(e) => setQuery({ ...query, sort: e.target.value as TableQuery["sort"], page: 1 })}
          >
            {SORTS.map((sort) => <option key={sort.value} value={sort.value}>{sort.label}</option>)}
          </select>
        </div>
        <div>
          <label htmlFor="end-user-order">Order</label>
          <select
            id="end-user-order"
            value={query.order}
            onChange={(e) => setQuery({ ...query, order: e.target.value as TableQuery["order"], page: 1 })}
          >
            <option value="desc">Highest first</option>
            <option value="asc">Lowest first</option>
          </select>
        </div>
      </div>
      <QueryStatus query={users} loading="Loading end users…" what="end users" />
      {data && data.users.length === 0 && (
        <p className="empty" data-testid="end-users-empty">
          {data.search ? (
            `No end user id contains “${data.search}”: try part of the id, in any case.`
          ) : (
            <>
              No end users yet: they appear after their first metered call. The{" "}
              <Link to="/dashboard/keys#quick-start">quick start</Link> shows how to make one.
            </>
          )}
        </p>
      )}
      {data && data.users.length > 0 && (
        <div className="table-scroll">
          <table data-testid="end-users-table">
            <caption className="hint">
              {data.total.toLocaleString()} end users, this month’s usage, sorted by{" "}
              {SORTS.find((sort) => sort.value === data.sort)?.label.toLowerCase()} ({data.order === "desc" ? "highest" : "lowest"} first)
            </caption>
            <thead>
              <tr>
                <th scope="col">End user</th><th scope="col">Tier</th><th scope="col">Units</th>
                <th scope="col">% of limit</th><th scope="col">Credits</th>
              </tr>
            </thead>
            <tbody>
              {data.users.map((user) => (
                <tr key={user.userId} data-testid="end-user-row">
                  <th scope="row"><Link to={`/dashboard/users/${encodeURIComponent(user.userId)}`}>{user.userId}</Link></th>
                  <td>{user.tier ?? "—"}</td>
                  <td>{user.units.toLocaleString()}{user.limit !== null && ` / ${user.limit.toLocaleString()}`}</td>
                  <td>
                    {user.percentOfLimit === null ? "—" : `${user.percentOfLimit}%`}
                    {user.atOrOverLimit && <span className="flag">At limit</span>}
                  </td>
                  <td>{user.credits.toLocaleString()}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data && (
        <nav className="pager" aria-label="End user pages">
          <button className="secondary" disabled={query.page <= 1} onClick={() => setQuery({ ...query, page: query.page - 1 })}>
            Previous page
          </button>
          <span>Page {data.page} of {data.pages}</span>
          <button className="secondary" disabled={query.page >= data.pages} onClick={() => setQuery({ ...query, page: query.page + 1 })}>
            Next page
          </button>
          <button className="secondary" disabled={users.isFetching} onClick={() => users.refetch()}>
            Refresh<span className="visually-hidden"> end users</span>
          </button>
        </nav>
      )}
      {data && (
        <p className="hint">As of {new Date(data.generatedAt ?? Date.now()).toLocaleTimeString()}; usage shows up here within {seconds(data.freshWithinSeconds)} of a call.</p>
      )}
    </section>
  );
}
