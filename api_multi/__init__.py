"""api_multi: multi-tenant end-user metering keyed by platformId."""
