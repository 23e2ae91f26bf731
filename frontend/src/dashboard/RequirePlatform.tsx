import type { ReactNode } from "react";
import { Link } from "react-router-dom";
import { QueryStatus } from "../components/QueryStatus";
import { useCredentials } from "../hooks/useCredentials";
import { EmptyState } from "./PageHeader";

/** A page's content once the developer has a platform (it comes with their first API key); until
 * then, what to do first. */
export function RequirePlatform({ what, children }: { what: string; children: (platformId: string) => ReactNode }) {
  const credentials = useCredentials();
  if (credentials.data) return <>{children(credentials.data.platformId)}</>;
  return (
    <>
      <QueryStatus query={credentials} loading="Loading your platform…" what="your platform" />
      {credentials.data === null && (
        <EmptyState title={`Create your API key first: ${what} belong to the platform that comes with it.`} testId="needs-platform">
          <p>
            <Link className="button" to="/dashboard">Start with the checklist</Link>{" "}
            <Link to="/dashboard/keys">or go to API keys</Link>
          </p>
        </EmptyState>
      )}
    </>
  );
}
