// Production sign-in of developers' end users on the portal (/p/{platformId}): the shared
// customer Clerk app (VITE_CUSTOMER_CLERK_PUBLISHABLE_KEY). Its plain session token carries
// publicMetadata.platformId (session-token customisation), which api_multi reads.
import { ClerkProvider, SignIn, useAuth, useClerk, useUser } from "@clerk/clerk-react";
import { type ReactNode, useMemo } from "react";
import { config } from "../config";
import { SessionContext, type Session } from "./context";

function CustomerClerkSession({ children }: { children: ReactNode }) {
  const { isLoaded, isSignedIn, getToken } = useAuth();
  const { user } = useUser();
  const clerk = useClerk();
  const session = useMemo<Session>(
    () => ({
      signedIn: Boolean(isSignedIn),
      loading: !isLoaded,
      userId: user?.id ?? null,
      email: user?.primaryEmailAddress?.emailAddress ?? null,
      getToken: (options?: { fresh?: boolean }) => getToken({ skipCache: options?.fresh ?? false }),
      signOut: () => void clerk.signOut(),
    }),
    [isLoaded, isSignedIn, user, getToken, clerk],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function CustomerClerkAuthProvider({ children }: { children: ReactNode }) {
  if (!config.customerClerkPublishableKey) {
    return (
      <p className="error" role="alert">
        VITE_CUSTOMER_CLERK_PUBLISHABLE_KEY is not set for this build.
      </p>
    );
  }
  return (
    <ClerkProvider publishableKey={config.customerClerkPublishableKey}>
      <CustomerClerkSession>{children}</CustomerClerkSession>
    </ClerkProvider>
  );
}

/** Clerk's sign-in, coming back to the portal page it was opened on. */
export function CustomerClerkSignIn() {
  const here = window.location.pathname;
  return <SignIn routing="hash" fallbackRedirectUrl={here} signUpFallbackRedirectUrl={here} />;
}
