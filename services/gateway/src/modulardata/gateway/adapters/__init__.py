"""The gateway's I/O: its PostgreSQL tables and queries, API keys, idempotency store, link probes,
metrics and rate-limit counters."""
