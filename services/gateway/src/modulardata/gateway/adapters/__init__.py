"""The gateway's I/O: its PostgreSQL tables and the read models behind their port (in PostgreSQL,
and in memory for tests), the command publisher, API keys, idempotency store, link probes,
metrics and rate-limit counters."""
