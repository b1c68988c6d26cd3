"""The supplier API, version 1 (/api/v1)."""
