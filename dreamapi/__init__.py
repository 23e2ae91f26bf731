"""dream-api shared package: what the three workers have in common."""
