// Local development only (see config.useDevAuth): signs in against the dev identity provider,
// which issues Clerk-shaped RS256 session tokens.
import { createContext, type FormEvent, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from "react";
import { config } from "../config";
import { SessionContext, type Session } from "./context";

const STORAGE_KEY = "dreamapi.dev.identity";
// A token is used again for a minute, as Clerk's client reuses its session token: a page's dozen
// requests do not each ask the stand-in for one.
const TOKEN_REUSE_MS = 60_000;
const DevSignInContext = createContext<((email: string) => Promise<void>) | null>(null);

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 24);
}

export function DevAuthProvider({ children }: { children: ReactNode }) {
  const [identity, setIdentity] = useState<{ userId: string; email: string } | null>(() => {
    const stored = sessionStorage.getItem(STORAGE_KEY);
    return stored ? JSON.parse(stored) : null;
  });
  const issued = useRef<{ userId: string; token: string; at: number } | null>(null);
  const getToken = useCallback(async () => {
    if (!identity) return null;
    const cached = issued.current;
    if (cached && cached.userId === identity.userId && Date.now() - cached.at < TOKEN_REUSE_MS) return cached.token;
    const reply = await fetch(`${config.devIdentityUrl}/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ sub: identity.userId, email: identity.email, azp: window.location.origin }),
    });
    const token = ((await reply.json()) as { token: string }).token;
    issued.current = { userId: identity.userId, token, at: Date.now() };
    return token;
  }, [identity]);
  const session = useMemo<Session>(
    () => ({
      signedIn: identity !== null,
      loading: false,
      userId: identity?.userId ?? null,
      email: identity?.email ?? null,
      getToken,
      signOut: () => {
        sessionStorage.removeItem(STORAGE_KEY);
        setIdentity(null);
      },
    }),
    [identity, getToken],
  );
  const signIn = async (email: string) => {
    const next = { userId: `user_${await sha256Hex(email.trim().toLowerCase())}`, email: email.trim() };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setIdentity(next);
  };
  return (
    <SessionContext.Provider value={session}>
      <DevSignInContext.Provider value={signIn}>{children}</DevSignInContext.Provider>
    </SessionContext.Provider>
  );
}

export function DevSignIn() {
  const signIn = useContext(DevSignInContext);
  const [email, setEmail] = useState("");
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (signIn && email.includes("@")) await signIn(email);
  };
  return (
    <form className="card signin" onSubmit={submit} aria-label="Sign in">
      <h2>Sign in (local identity provider)</h2>
      <label htmlFor="email">Email</label>
      <input id="email" type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      <button type="submit">Sign in</button>
    </form>
  );
}
