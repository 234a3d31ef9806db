"""The gateway: the REST front door that publishes commands and serves the read models."""
