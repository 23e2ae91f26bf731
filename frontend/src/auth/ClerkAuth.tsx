// Production sign-in: Clerk, with the token of the `dream-api` JWT template.
import { ClerkProvider, SignIn, useAuth, useClerk, useUser } from "@clerk/clerk-react";
import { type ReactNode, useMemo } from "react";
import { config } from "../config";
import { SessionContext, type Session } from "./context";

function ClerkSession({ children }: { children: ReactNode }) {
  const { isLoaded, isSignedIn, getToken } = useAuth();
  const { user } = useUser();
  const clerk = useClerk();
  const session = useMemo<Session>(
    () => ({
      signedIn: Boolean(isSignedIn),
      loading: !isLoaded,
      userId: user?.id ?? null,
      email: user?.primaryEmailAddress?.emailAddress ?? null,
      getToken: () => getToken({ template: "dream-api" }),
      signOut: () => void clerk.signOut(),
    }),
    [isLoaded, isSignedIn, user, getToken, clerk],
  );
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}

export function ClerkAuthProvider({ children }: { children: ReactNode }) {
  if (!config.clerkPublishableKey) {
    return <p className="error">VITE_CLERK_PUBLISHABLE_KEY is not set for this build.</p>;
  }
  return (
    <ClerkProvider publishableKey={config.clerkPublishableKey}>
      <ClerkSession>{children}</ClerkSession>
    </ClerkProvider>
  );
}

export function ClerkSignIn() {
  return <SignIn routing="hash" />;
}
