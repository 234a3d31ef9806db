"""Where each object of a session lives in storage: the one definition every service uses."""

from __future__ import annotations

from uuid import UUID


def upload_key(session_id: UUID, task_id: UUID) -> str:
    """A task's raw upload, as the client sent it."""
    return f"uploads/{session_id}/{task_id}/raw"


def version_key(session_id: UUID, node_id: UUID) -> str:
    """A node's data, as Parquet."""
    return f"sessions/{session_id}/nodes/{node_id}.parquet"


def profile_key(session_id: UUID, node_id: UUID) -> str:
    """A node's profile, as JSON next to its data."""
    return f"sessions/{session_id}/nodes/{node_id}.profile.json"


def session_prefixes(session_id: UUID) -> tuple[str, ...]:
    """Every prefix under which a session's objects live (deleting them deletes the session's
    data)."""
    return (f"uploads/{session_id}", f"sessions/{session_id}")
