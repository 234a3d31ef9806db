"""An ObjectStorage that reports the bytes of every object written through it (for metrics)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import BinaryIO

from modulardata.storage.base import ObjectStorage


class CountingStorage:
    """`inner`, calling `written(size)` once each object it writes is stored."""

    def __init__(self, inner: ObjectStorage, written: Callable[[int], object]) -> None:
        self._inner = inner
        self._written = written

    def uri_for(self, key: str) -> str:
        return self._inner.uri_for(key)

    @contextmanager
    def writer(self, key: str) -> Iterator[BinaryIO]:
        with self._inner.writer(key) as stream:
            yield stream
            size = stream.tell()
        self._written(size)

    def put_file(self, key: str, path: Path) -> str:
        size = path.stat().st_size
        uri = self._inner.put_file(key, path)
        self._written(size)
        return uri

    def open(self, uri: str) -> AbstractContextManager[BinaryIO]:
        return self._inner.open(uri)

    def local_copy(self, uri: str) -> AbstractContextManager[Path]:
        return self._inner.local_copy(uri)

    def exists(self, uri: str) -> bool:
        return self._inner.exists(uri)

    def size(self, uri: str) -> int:
        return self._inner.size(uri)

    def delete(self, uri: str) -> None:
        self._inner.delete(uri)

    def delete_prefix(self, folder: str) -> int:
        return self._inner.delete_prefix(folder)
