"""The ObjectStorage interface every service codes against."""

from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO, Protocol


class ObjectStorage(Protocol):
    """Objects addressed by a relative key when written and by a uri everywhere else."""

    def uri_for(self, key: str) -> str:
        """Uri (``file://`` or ``s3://``) of the object stored under ``key``."""
        ...

    def writer(self, key: str) -> AbstractContextManager[BinaryIO]:
        """Write-only stream; the object appears only if the block exits without error.

        Do not close the stream yourself.
        """
        ...

    def put_file(self, key: str, path: Path) -> str:
        """Store a copy of the local file ``path`` under ``key`` and return its uri."""
        ...

    def open(self, uri: str) -> AbstractContextManager[BinaryIO]:
        """Readable, not necessarily seekable, stream; raises ObjectNotFound."""
        ...

    def local_copy(self, uri: str) -> AbstractContextManager[Path]:
        """A local path holding the object for the duration of the block; treat it as read-only."""
        ...

    def exists(self, uri: str) -> bool:
        """Whether an object exists at ``uri``."""
        ...

    def size(self, uri: str) -> int:
        """Size in bytes; raises ObjectNotFound."""
        ...

    def delete(self, uri: str) -> None:
        """Remove the object; a missing object is not an error."""
        ...

    def delete_prefix(self, folder: str) -> int:
        """Remove every object whose key lies under ``folder/``; returns how many were removed.

        A folder with no objects is not an error; ``folder`` is a key, like ``uploads/s1``.
        """
        ...
