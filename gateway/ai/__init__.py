"""AI routes of the gateway: OpenAI- and Anthropic-compatible calls metered by tokens."""
