import { useState, type FormEvent } from "react";
import { useSession } from "../auth/context";
import { ApiError, call, type CreditStatement } from "../api";
import { config } from "../config";

/** Look an end user up by id: their credit balance and ledger, and a grant/adjust form. */
export function EndUserCreditsCard() {
  const session = useSession();
  const [userId, setUserId] = useState("");
  const [statement, setStatement] = useState<CreditStatement | null>(null);
  const [units, setUnits] = useState("");
  const [reason, setReason] = useState("");
  const [error, setError] = useState<string | null>(null);
  const path = (id: string) => `/api/developer/users/${encodeURIComponent(id)}/credits`;
  const load = async (id: string) => {
    setStatement(await call<CreditStatement>(config.apiMulti, path(id), { token: await session.getToken() }));
  };
  const lookUp = async (event: FormEvent) => {
    event.preventDefault();
    setError(null);
    try {
      await load(userId.trim());
    } catch (failure) {
      setStatement(null);
      setError((failure as ApiError).message);
    }
  };
  const change = async (event: FormEvent) => {
    event.preventDefault();
    if (!statement) return;
    setError(null);
    try {
      await call(config.apiMulti, path(statement.userId), {
        method: "POST",
        token: await session.getToken(),
        body: { units: Number(units), reason },
      });
      setUnits("");
      setReason("");
      await load(statement.userId);
    } catch (failure) {
      setError((failure as ApiError).message);
    }
  };
  return (
    <section className="card" aria-labelledby="end-user-title">
      <h2 id="end-user-title">End-user credits</h2>
      <form className="actions" onSubmit={lookUp}>
        <label>End user id <input value={userId} onChange={(e) => setUserId(e.target.value)} required /></label>
        <button type="submit" data-testid="lookup-user">Look up</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {statement && (
        <>
          <p>
            Balance of <strong>{statement.userId}</strong>:{" "}
            <strong data-testid="credit-balance">{statement.balance}</strong> units
          </p>
          <form className="actions" onSubmit={change}>
            <label>Units (negative to remove) <input type="number" value={units} onChange={(e) => setUnits(e.target.value)} required /></label>
            <label>Reason <input value={reason} maxLength={200} onChange={(e) => setReason(e.target.value)} /></label>
            <button type="submit" data-testid="apply-credits">Apply</button>
          </form>
          {statement.entries.length === 0 ? (
            <p className="empty">No ledger entries yet.</p>
          ) : (
            <div className="table-scroll">
            <table data-testid="ledger">
              <caption>Ledger, newest first</caption>
              <thead>
                <tr><th scope="col">When</th><th scope="col">Kind</th><th scope="col">Units</th><th scope="col">Reason</th><th scope="col">Balance after</th></tr>
              </thead>
              <tbody>
                {statement.entries.map((entry, index) => (
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
