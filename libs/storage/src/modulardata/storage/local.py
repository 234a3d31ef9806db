"""ObjectStorage over a local directory, for development and single-host deployments."""

import contextlib
import os
import secrets
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

from modulardata.storage.exceptions import InvalidStorageUri, ObjectNotFound, StorageError
from modulardata.storage.keys import check_key

_COPY_CHUNK = 1024 * 1024


@contextlib.contextmanager
def _reading(uri: str) -> Iterator[None]:
    # A directory or a path through a file is "no such object", as on S3.
    try:
        yield
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as exc:
        raise ObjectNotFound(uri) from exc
    except OSError as exc:
        raise StorageError(f"{uri}: {exc}") from exc


@contextlib.contextmanager
def _writing(uri: str) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise StorageError(f"{uri}: {exc}") from exc


class LocalStorage:
    """Objects are files under ``root``; uris are ``file://`` uris of those files."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def uri_for(self, key: str) -> str:
        return (self.root / check_key(key)).as_uri()

    def _path(self, uri: str) -> Path:
        parts = urlsplit(uri)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise InvalidStorageUri(f"not a local file uri: {uri!r}")
        if parts.query or parts.fragment:
            raise InvalidStorageUri(f"unexpected query or fragment in {uri!r}")
        path = unquote(parts.path)
        root = self.root.as_posix().rstrip("/") + "/"
        if not path.startswith(root):
            raise InvalidStorageUri(f"{uri!r} is outside {self.root}")
        return self.root / check_key(path.removeprefix(root))

    @contextlib.contextmanager
    def writer(self, key: str) -> Iterator[BinaryIO]:
        target = self.root / check_key(key)
        uri = target.as_uri()
        # A sibling of the target so os.replace is an atomic rename; mkstemp is avoided
        # because its 0600 mode would stick to the published object.
        tmp = target.with_name(f".{target.name}.{secrets.token_hex(8)}.tmp")
        with _writing(uri):
            target.parent.mkdir(parents=True, exist_ok=True)
            stream = tmp.open("xb")
        try:
            with stream:
                yield stream
                with _writing(uri):
                    stream.flush()
                    # On disk before the rename, so a crash cannot publish a torn file.
                    os.fsync(stream.fileno())
            with _writing(uri):
                os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise

    def put_file(self, key: str, path: Path) -> str:
        with path.open("rb") as src, self.writer(key) as dst:
            shutil.copyfileobj(src, dst, _COPY_CHUNK)
        return self.uri_for(key)

    @contextlib.contextmanager
    def open(self, uri: str) -> Iterator[BinaryIO]:
        path = self._path(uri)
        with _reading(uri):
            stream = path.open("rb")
        with stream:
            yield stream

    @contextlib.contextmanager
    def local_copy(self, uri: str) -> Iterator[Path]:
        path = self._path(uri)
        if not path.is_file():
            raise ObjectNotFound(uri)
        yield path

    def exists(self, uri: str) -> bool:
        return self._path(uri).is_file()

    def size(self, uri: str) -> int:
        path = self._path(uri)
        with _reading(uri):
            info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise ObjectNotFound(uri)
        return info.st_size

    def delete(self, uri: str) -> None:
        path = self._path(uri)
        with contextlib.suppress(ObjectNotFound), _reading(uri):
            path.unlink()

    def delete_prefix(self, folder: str) -> int:
        path = self.root / check_key(folder)
        with _writing(path.as_uri()):
            if not path.is_dir():
                return 0
            # Half-written temporaries count as nothing; only published objects are counted.
            removed = sum(1 for f in path.rglob("*") if f.is_file() and not f.name.endswith(".tmp"))
            shutil.rmtree(path)
        return removed
