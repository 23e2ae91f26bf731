import { createContext, useContext } from "react";

export type Session = {
  signedIn: boolean;
  loading: boolean;
  userId: string | null;
  email: string | null;
  /** `fresh`: not a cached token (one issued after the account's metadata changed) */
  getToken: (options?: { fresh?: boolean }) => Promise<string | null>;
  signOut: () => void;
};

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside a session provider");
  return session;
}
