"""Errors raised by every storage backend, so callers never see boto or OS specifics."""


class StorageError(Exception):
    """A storage operation failed."""


class ObjectNotFound(StorageError):
    """No object exists at the given uri."""


class InvalidStorageUri(StorageError):
    """A storage url, uri or key is malformed or points outside the configured root or bucket."""
