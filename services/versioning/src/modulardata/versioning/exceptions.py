"""Failures of the versioning service."""

from __future__ import annotations

from psycopg.errors import ProgramLimitExceeded
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from modulardata.messaging.failures import FailureClassifier


class VersioningError(Exception):
    """Base of every versioning failure."""


class ConcurrencyConflict(VersioningError):
    """Another writer appended to the stream first; reload and decide again."""

    def __init__(self, stream_id: str, expected: int, actual: int) -> None:
        super().__init__(f"stream {stream_id} is at version {actual}, expected {expected}")
        self.stream_id = stream_id


class DomainRejection(VersioningError):
    """A request that cannot be carried out; it becomes a TaskFailed event, not a retry."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


class UnstorableEvent(VersioningError):
    """An event holds text the database cannot store (NUL, a lone surrogate): it never can."""

    def __init__(self, event_type: str, paths: list[str]) -> None:
        super().__init__(f"{event_type} cannot be stored: text not allowed in {', '.join(paths)}")
        self.paths = paths


class SessionShredded(VersioningError):
    """The session was deleted: its key is destroyed, so nothing can be sealed for it."""

    def __init__(self, session_id: object) -> None:
        super().__init__(f"session {session_id} was deleted")
        self.session_id = session_id


FAILURES = FailureClassifier(
    transient=(OperationalError, InterfaceError, PoolTimeout, ConcurrencyConflict),
    deterministic=(ProgramLimitExceeded,),
)
"""A lost connection, a busy or restarting database, a serialization failure or a lost race
is retried; any other database error (bad data, a constraint, a value too large) is not.
PostgreSQL reports "too large" (class 54) as an operational error, hence the exception."""
