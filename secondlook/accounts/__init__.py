"""Staff accounts, roles, sessions and API tokens (used by the web app and the workflow)."""
