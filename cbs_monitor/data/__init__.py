"""Data files shipped with the portal (see README.md here for sources)."""
