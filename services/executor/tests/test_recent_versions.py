"""The versions kept in memory: by URI, within a byte budget, least recently used out first."""

from __future__ import annotations

import pyarrow as pa

from modulardata.executor.recent_versions import RecentVersions


def _table(rows: int) -> pa.Table:
    return pa.table({"n": pa.array(range(rows), type=pa.int64())})  # 8 bytes a row


def test_the_least_recently_used_go_once_the_budget_is_reached() -> None:
    recent = RecentVersions(capacity_bytes=8 * 250)
    first, second, third = _table(100), _table(100), _table(100)
    recent.keep("a", first)
    recent.keep("b", second)
    assert recent.get("a") is first  # now the most recently used
    recent.keep("c", third)
    assert recent.get("b") is None
    assert recent.get("a") is first and recent.get("c") is third


def test_a_table_over_the_whole_budget_is_not_kept_and_keeping_again_replaces() -> None:
    recent = RecentVersions(capacity_bytes=8 * 100)
    recent.keep("big", _table(101))
    assert recent.get("big") is None
    recent.keep("a", _table(60))
    newer = _table(60)
    recent.keep("a", newer)  # the same version again: counted once
    assert recent.get("a") is newer
    assert RecentVersions(capacity_bytes=0).get("a") is None
