"""The versioning service: the append-only event log, its outbox relay and the projections."""
