"""What deleting a session removes outside the log: every stored object of the session.

All of a session's objects live under two folders: the gateway's raw uploads and the versions
and profiles the profiler and executor write. Removing them is idempotent, so a retried
deletion, or a late report of an object written after it, simply removes again.
"""

from __future__ import annotations

import asyncio
from uuid import UUID

from modulardata.contracts.events import DatasetIngested, DatasetProfiled, TransformationExecuted
from modulardata.storage import ObjectStorage
from modulardata.storage.layout import session_prefixes

REPORTS_OF_STORED_DATA = (DatasetIngested, TransformationExecuted, DatasetProfiled)
"""Reports that an object was written: one arriving after the deletion left it behind."""


async def remove_stored_data(storage: ObjectStorage, session_id: UUID) -> int:
    """Remove every stored object of the session; returns how many there were."""
    removed = 0
    for folder in session_prefixes(session_id):
        removed += await asyncio.to_thread(storage.delete_prefix, folder)
    return removed
