import { useState, type FormEvent } from "react";
import { useNavigate } from "react-router-dom";
import { EndUsersCard } from "../../analytics/EndUsersCard";
import { PageHeader } from "../PageHeader";
import { RequirePlatform } from "../RequirePlatform";

export default function EndUsersPage() {
  return (
    <>
      <PageHeader title="End users" lead="The users of your API: this month's usage, who is at their limit, and each one's page with their credits and events.">
        <GoToUser />
      </PageHeader>
      <RequirePlatform what="end users">{(platformId) => <EndUsersCard platformId={platformId} />}</RequirePlatform>
    </>
  );
}

/** Any end user's page by their id, also one who has not called yet (to grant them credits). */
function GoToUser() {
  const navigate = useNavigate();
  const [userId, setUserId] = useState("");
  const open = (event: FormEvent) => {
    event.preventDefault();
    const id = userId.trim();
    if (id) navigate(`/dashboard/users/${encodeURIComponent(id)}`);
  };
  return (
    <form className="go-to-user" onSubmit={open} aria-label="Open an end user">
      <label htmlFor="go-to-user">End user id</label>
      <input id="go-to-user" value={userId} onChange={(e) => setUserId(e.target.value)} maxLength={128} required placeholder="user_42" />
      <button type="submit" className="secondary" data-testid="lookup-user">Open</button>
    </form>
  );
}
