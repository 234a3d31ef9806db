"""Work no request waits for runs at a lower CPU priority, in threads of its own."""

from __future__ import annotations

import os
import threading

from modulardata.profiler.priority import lower_priority_pool


def _nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_the_pools_threads_and_the_threads_they_start_run_lower() -> None:
    mine = _nice()
    seen: list[int] = []

    def work() -> int:
        child = threading.Thread(target=lambda: seen.append(_nice()))
        child.start()
        child.join()
        return _nice()

    with lower_priority_pool(1, 5, "test") as pool:
        assert pool.submit(work).result() == min(mine + 5, 19)
    assert seen == [min(mine + 5, 19)]
    assert _nice() == mine  # the caller's thread is left as it was
