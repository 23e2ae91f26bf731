// Local development only (see config.useDevAuth): the end users' sign-in of the portal against
// the customer identity stand-in (scripts/standins/identity.py, VITE_CUSTOMER_IDENTITY_URL),
// which issues Clerk-shaped session tokens carrying the account's publicMetadata, as the shared
// customer Clerk app does. As there, a new account has none: the portal joins it to the platform
// (POST /api/portal/join sets publicMetadata.platformId through the Backend API), and an account
// belongs to the platform it joined first.
import { createContext, type FormEvent, type ReactNode, useCallback, useContext, useId, useMemo, useState } from "react";
import { ApiError } from "../client";
import { config } from "../config";
import { SessionContext, type Session } from "./context";

const STORAGE_KEY = "dreamapi.dev.identity.customer";

type Identity = { userId: string; email: string; platformId: string };
type SignIn = (email: string, platformId: string) => Promise<void>;

const CustomerDevSignInContext = createContext<SignIn | null>(null);

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("").slice(0, 24);
}

function isIdentity(value: unknown): value is Identity {
  return (
    typeof value === "object" &&
    value !== null &&
    "userId" in value &&
    typeof value.userId === "string" &&
    "email" in value &&
    typeof value.email === "string" &&
    "platformId" in value &&
    typeof value.platformId === "string"
  );
}

function storedIdentity(): Identity | null {
  try {
    const stored: unknown = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? "null");
    return isIdentity(stored) ? stored : null;
  } catch {
    return null;
  }
}

async function issueToken(identity: Identity): Promise<string> {
  let reply: Response;
  try {
    reply = await fetch(`${config.customerIdentityUrl}/tokens`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        sub: identity.userId,
        email: identity.email,
        azp: window.location.origin,
      }),
    });
  } catch {
    throw new ApiError(0, "identity_unavailable", "The sign-in service could not be reached. Try again in a moment.");
  }
  const body: unknown = await reply.json().catch(() => null);
  if (!reply.ok || typeof body !== "object" || body === null || !("token" in body) || typeof body.token !== "string") {
    throw new ApiError(reply.status, "identity_error", "The sign-in service did not issue a session. Sign in again.");
  }
  return body.token;
}

export function CustomerDevAuthProvider({ children }: { children: ReactNode }) {
  const [identity, setIdentity] = useState<Identity | null>(storedIdentity);
  const getToken = useCallback(async () => (identity ? issueToken(identity) : null), [identity]);
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
  const signIn = useCallback<SignIn>(async (email, platformId) => {
    const normalised = email.trim().toLowerCase();
    const next = { userId: `user_${await sha256Hex(normalised)}`, email: email.trim(), platformId };
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    setIdentity(next);
  }, []);
  return (
    <SessionContext.Provider value={session}>
      <CustomerDevSignInContext.Provider value={signIn}>{children}</CustomerDevSignInContext.Provider>
    </SessionContext.Provider>
  );
}

/** The portal's sign-in form (local identity provider): any email signs in as that end user of
 * `platformId`. */
export function CustomerDevSignIn({ platformId }: { platformId: string }) {
  const signIn = useContext(CustomerDevSignInContext);
  const [email, setEmail] = useState("");
  const [busy, setBusy] = useState(false);
  const id = useId();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!signIn || !email.includes("@")) return;
    setBusy(true);
    try {
      await signIn(email, platformId);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="portal-signin" onSubmit={submit} aria-label="Sign in">
      <p className="portal-hint">Local identity provider: any email address signs you in.</p>
      <label htmlFor={`${id}-email`}>Email</label>
      <input
        id={`${id}-email`}
        type="email"
        autoComplete="email"
        required
        value={email}
        onChange={(e) => setEmail(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        Sign in
      </button>
    </form>
  );
}
