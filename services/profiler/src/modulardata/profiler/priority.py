"""Threads at a lower CPU priority, for work no request waits for."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor


def lower_priority_pool(workers: int, nice: int, name: str) -> ThreadPoolExecutor:
    """A thread pool whose threads run `nice` steps below the service (Linux gives each thread
    its own nice value, and threads they start inherit it)."""

    def lower() -> None:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, os.getpriority(os.PRIO_PROCESS, thread) + nice)

    return ThreadPoolExecutor(workers, thread_name_prefix=name, initializer=lower)
