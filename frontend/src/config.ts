// Worker URLs are fixed at build time (VITE_*_URL); the defaults are `make dev`'s ports.
export const config = {
  frontAuthApi: import.meta.env.VITE_FRONT_AUTH_API_URL ?? "http://127.0.0.1:8788",
  apiMulti: import.meta.env.VITE_API_MULTI_URL ?? "http://127.0.0.1:8787",
  oauthApi: import.meta.env.VITE_OAUTH_API_URL ?? "http://127.0.0.1:8789",
  clerkPublishableKey: import.meta.env.VITE_CLERK_PUBLISHABLE_KEY as string | undefined,
  devIdentityUrl: import.meta.env.VITE_DEV_IDENTITY_URL ?? "http://127.0.0.1:8790",
  // The shared Clerk app of developers' end users (the portal at /p/{platformId}), and its local
  // stand-in (scripts/standins/identity.py on 8792), used only when useDevAuth is true.
  customerClerkPublishableKey: import.meta.env.VITE_CUSTOMER_CLERK_PUBLISHABLE_KEY as string | undefined,
  customerIdentityUrl: import.meta.env.VITE_CUSTOMER_IDENTITY_URL ?? "http://127.0.0.1:8792",
};

// The dev identity provider can only be chosen in a dev build: `import.meta.env.DEV` is false
// in `vite build`, so production bundles never contain that code path.
export const useDevAuth = import.meta.env.DEV && import.meta.env.VITE_AUTH_MODE === "dev";
