"""The executor: a secure sandbox for generated pandas code, and the service that runs it."""
