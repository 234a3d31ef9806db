"""The gateway's I/O: its PostgreSQL tables and the read-model queries, the command publisher,
API keys, idempotency store, link probes, metrics and rate-limit counters."""
