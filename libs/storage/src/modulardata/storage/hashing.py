"""SHA-256 content hashes, computed in chunks so large objects never sit in memory."""

import hashlib
from pathlib import Path
from typing import BinaryIO

_CHUNK = 1024 * 1024


def sha256_stream(stream: BinaryIO) -> str:
    """Hex SHA-256 of everything left to read in ``stream``."""
    digest = hashlib.sha256()
    while chunk := stream.read(_CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of the file at ``path``."""
    with path.open("rb") as stream:
        return sha256_stream(stream)
