"""Validation of object keys, the relative names shared by all backends."""

from modulardata.storage.exceptions import InvalidStorageUri


def check_key(key: str) -> str:
    """Return ``key`` if it is a safe relative ``a/b/c`` name, else raise InvalidStorageUri."""
    # Refusing '..', '.', empty segments and backslashes keeps a key from escaping the root
    # and gives each object exactly one spelling on every backend.
    segments = key.split("/")
    if (
        not key
        or "\\" in key
        or "\x00" in key
        or any(segment in ("", ".", "..") for segment in segments)
    ):
        raise InvalidStorageUri(f"invalid object key: {key!r}")
    return key
