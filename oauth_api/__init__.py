"""oauth_api: Stripe Connect and GitHub OAuth for developers."""
