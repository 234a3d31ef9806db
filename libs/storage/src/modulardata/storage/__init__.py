"""Object storage behind one small interface: a local directory or an S3 bucket."""

from modulardata.storage.base import ObjectStorage
from modulardata.storage.exceptions import InvalidStorageUri, ObjectNotFound, StorageError
from modulardata.storage.factory import open_storage
from modulardata.storage.hashing import sha256_file, sha256_stream
from modulardata.storage.local import LocalStorage
from modulardata.storage.s3 import S3Storage

__all__ = [
    "InvalidStorageUri",
    "LocalStorage",
    "ObjectNotFound",
    "ObjectStorage",
    "S3Storage",
    "StorageError",
    "open_storage",
    "sha256_file",
    "sha256_stream",
]
