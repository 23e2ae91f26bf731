import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { useSession } from "../auth/context";
import { apiMulti, bearer, unwrap } from "../client";
import { errorMessage } from "../hooks/errors";
import { queryKeys } from "../hooks/queryKeys";

/** Look an end user up by id: their credit balance and ledger, and a grant/adjust form. */
export function EndUserCreditsCard({ platformId }: { platformId: string }) {
  const session = useSession();
  const queryClient = useQueryClient();
  const [userId, setUserId] = useState("");
  const [lookedUp, setLookedUp] = useState<string | null>(null);
  const [units, setUnits] = useState("");
  const [reason, setReason] = useState("");
  const statementKey = queryKeys.endUserCredits(session.userId, platformId, lookedUp ?? "");
  const statement = useQuery({
    queryKey: statementKey,
    queryFn: async () =>
      unwrap(
        apiMulti.GET("/api/developer/users/{userId}/credits", {
          headers: bearer(await session.getToken()),
          params: { path: { userId: lookedUp ?? "" } },
        }),
      ),
    enabled: lookedUp !== null,
  });
  const apply = useMutation({
    mutationFn: async ({ endUserId, units, reason }: { endUserId: string; units: number; reason: string }) =>
      unwrap(
        apiMulti.POST("/api/developer/users/{userId}/credits", {
          headers: bearer(await session.getToken()),
          params: { path: { userId: endUserId } },
          body: { units, reason },
        }),
      ),
    onSuccess: async () => {
      setUnits("");
      setReason("");
      await queryClient.invalidateQueries({ queryKey: statementKey });
    },
  });
  const lookUp = (event: FormEvent) => {
    event.preventDefault();
    const id = userId.trim();
    apply.reset();
    if (id === lookedUp) void statement.refetch();
    else setLookedUp(id);
  };
  const change = (event: FormEvent) => {
    event.preventDefault();
    if (statement.data) apply.mutate({ endUserId: statement.data.userId, units: Number(units), reason });
  };
  // one alert at a time: the failed write, else the failed look-up
  const failure = apply.error ?? (statement.isError ? statement.error : null);
  const data = statement.isError ? undefined : statement.data;
  return (
    <section className="card" aria-labelledby="end-user-title">
      <h2 id="end-user-title">End-user credits</h2>
      <form className="actions" onSubmit={lookUp}>
        <label>End user id <input value={userId} onChange={(e) => setUserId(e.target.value)} required /></label>
        <button type="submit" data-testid="lookup-user" disabled={statement.isFetching}>Look up</button>
      </form>
      {statement.isLoading && <p role="status">Loading the end user&apos;s credits…</p>}
      {failure && <p className="error" role="alert">{errorMessage(failure)}</p>}
      {lookedUp === null && <p className="empty">Look an end user up by the id your system gives them.</p>}
      {data && (
        <>
          <p>
            Balance of <strong>{data.userId}</strong>:{" "}
            <strong data-testid="credit-balance">{data.balance}</strong> units
          </p>
          <form className="actions" onSubmit={change}>
            <label>Units (negative to remove) <input type="number" value={units} onChange={(e) => setUnits(e.target.value)} required /></label>
            <label>Reason <input value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} /></label>
            <button type="submit" data-testid="apply-credits" disabled={apply.isPending}>Apply</button>
          </form>
          {data.entries.length === 0 ? (
            <p className="empty">No ledger entries yet.</p>
          ) : (
            <div className="table-scroll">
              <table data-testid="ledger">
                <caption>Ledger, newest first</caption>
                <thead>
                  <tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">Units</th><th scope="col">Reason</th><th scope="col">Balance after</th></tr>
                </thead>
                <tbody>
                  {data.entries.map((entry, index) => (
                    <tr key={index}>
                      <td>{entry.date ?? entry.at.replace("T", " ").replace("Z", " UTC")}</td>
                      <td>{entry.kind.replace("_", "-")}</td>
                      <td>{entry.units > 0 ? `+${entry.units}` : entry.units}</td>
                      <td>{entry.reason}</td>
                      <td>{entry.balanceAfter}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
