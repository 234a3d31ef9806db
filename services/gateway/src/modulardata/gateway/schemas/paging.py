"""Bounds of the paged endpoints' query parameters."""

MAX_OFFSET = 2**31 - 1
"""Largest page offset taken (PostgreSQL's `integer`, past any real page); beyond it a 422."""
