"""front_auth_api: the platform API where developers pay us."""
