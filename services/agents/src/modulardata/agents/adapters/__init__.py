"""The agents' ties to the outside: stored versions, the profiler's summary, the sandbox."""
