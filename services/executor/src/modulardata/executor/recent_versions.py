"""The versions this executor made last, kept in memory: the next message of a session runs on
the version the one before it made, which then needs no reading back from storage.

A version's file is written once and never changed, so a kept table is the stored one; only a
table whose schema is the one its file holds is kept, so a table from memory and one read back
are the same to a snippet. The least recently used go once `capacity_bytes` is reached.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import pyarrow as pa


class RecentVersions:
    """Tables of recently made versions by storage URI, within a byte budget (thread-safe)."""

    def __init__(self, capacity_bytes: int) -> None:
        self._capacity = capacity_bytes
        self._tables: OrderedDict[str, pa.Table] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, uri: str) -> pa.Table | None:
        """The version's table, if it is kept."""
        with self._lock:
            table = self._tables.get(uri)
            if table is not None:
                self._tables.move_to_end(uri)
            return table

    def keep(self, uri: str, table: pa.Table) -> None:
        """Keep a version's table (one larger than the whole budget is not kept)."""
        if table.nbytes > self._capacity:
            return
        with self._lock:
            if (old := self._tables.pop(uri, None)) is not None:
                self._bytes -= old.nbytes
            self._tables[uri] = table
            self._bytes += table.nbytes
            while self._bytes > self._capacity:
                _, dropped = self._tables.popitem(last=False)
                self._bytes -= dropped.nbytes
