"""The public JSON API, version 1 (see the API contract)."""
