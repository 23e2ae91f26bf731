// Which sign-in wraps which route: the dashboard's routes get the developers' app (dream-api's
// Clerk app, or the local identity stand-in), the portal at /p/{platformId} the shared customer
// app of developers' end users (or the customer identity stand-in). Both provide ./context's
// Session to the pages under them.
import type { ReactNode } from "react";
import { useDevAuth } from "../config";
import { ClerkAuthProvider, ClerkSignIn } from "./ClerkAuth";
import { CustomerClerkAuthProvider } from "./CustomerClerkAuth";
import { CustomerDevAuthProvider } from "./CustomerDevAuth";
import { DevAuthProvider, DevSignIn } from "./DevAuth";

type App = "developer" | "customer";

// clerk-react keeps one Clerk instance per document (the first publishable key wins), so moving
// between the two apps inside the single-page app reloads the page at the new URL.
let clerkAppOfThisDocument: App | null = null;

function OneClerkAppPerDocument({ app, children }: { app: App; children: ReactNode }) {
  if (!useDevAuth) {
    if (clerkAppOfThisDocument !== null && clerkAppOfThisDocument !== app) {
      window.location.reload();
      return <p role="status">Loading…</p>;
    }
    clerkAppOfThisDocument = app;
  }
  return <>{children}</>;
}

export function DeveloperAuth({ children }: { children: ReactNode }) {
  const Provider = useDevAuth ? DevAuthProvider : ClerkAuthProvider;
  return (
    <OneClerkAppPerDocument app="developer">
      <Provider>{children}</Provider>
    </OneClerkAppPerDocument>
  );
}

export function CustomerAuth({ children }: { children: ReactNode }) {
  const Provider = useDevAuth ? CustomerDevAuthProvider : CustomerClerkAuthProvider;
  return (
    <OneClerkAppPerDocument app="customer">
      <Provider>{children}</Provider>
    </OneClerkAppPerDocument>
  );
}

/** The developers' sign-in form. Chosen here, beside the providers, and not in the lazily loaded
 * pages: a production build folds `useDevAuth` to false only in the chunk that holds config.ts,
 * so this is where the local form drops out of the bundle. */
export function DeveloperSignIn() {
  return useDevAuth ? <DevSignIn /> : <ClerkSignIn />;
}
