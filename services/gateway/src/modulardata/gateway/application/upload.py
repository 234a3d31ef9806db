"""Streaming a multipart upload straight into object storage, never holding it whole in memory.

The body is pushed chunk by chunk through python-multipart's parser; the bytes of the `file`
part are hashed, held to the dataset limits (`modulardata.ingestion.uploadlimits`) and written
to storage in large blocks on threads of their own. The object appears only when the whole
upload was accepted: any failure, a limit exceeded among them, leaves nothing stored. Whether
a file within the limits can be read (text, a workbook, or something else) is the profiler's
to judge.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import AsyncIterable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import PurePosixPath
from types import TracebackType
from typing import TYPE_CHECKING, BinaryIO, TypeVar

from python_multipart import MultipartParser
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from modulardata.contracts.limits import DatasetLimits
from modulardata.contracts.text import FILE_NAME_CHARS
from modulardata.gateway.exceptions import BadUpload, MissingFilePart, UnsupportedMediaType
from modulardata.ingestion.uploadlimits import UploadInspector
from modulardata.storage import ObjectStorage

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FILE_FIELD = "file"
FLUSH_BYTES = 1024 * 1024
"""Bytes gathered before one write to storage."""
MULTIPART_SLACK = 64 * 1024
"""Room in a request body for boundaries, part headers and small fields beside the file."""

_UNSAFE_IN_NAMES = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
"""Control characters, and invisible or direction-changing ones that disguise a name."""
_LONGEST_SUFFIX = 16

_T = TypeVar("_T")


@dataclass(frozen=True)
class StoredUpload:
    """An accepted upload, now in storage."""

    uri: str
    filename: str
    byte_size: int
    content_hash: str


def check_declared_length(content_length: str | None, limits: DatasetLimits) -> None:
    """Refuse a body whose declared length is clearly over the limit, before reading it."""
    if content_length is not None and content_length.isdigit():
        _check_body_size(int(content_length), limits, "the request declares")


def multipart_boundary(content_type: str | None) -> bytes:
    """The boundary of a multipart/form-data body; refuses any other content type."""
    media_type, params = parse_options_header(content_type)
    if media_type != b"multipart/form-data":
        raise UnsupportedMediaType("uploads must be multipart/form-data with a 'file' part")
    boundary = params.get(b"boundary")
    if not boundary:
        raise BadUpload("multipart body without a boundary", code="malformed_multipart")
    return boundary


class FilePartReader:
    """Push parser: fed body chunks, it hands back the bytes of the first part named `field`.

    Other parts are parsed and dropped. `finish` checks the body was complete.
    """

    def __init__(self, boundary: bytes, field: str = FILE_FIELD) -> None:
        self.filename: str | None = None
        self._field = field.encode()
        self._found = False
        self._complete = False
        self._in_file = False
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._headers: dict[bytes, bytes] = {}
        self._data: list[bytes] = []
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._headers.clear,
            "on_header_field": self._on_header_name,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_end": self._on_end,
        }
        try:
            self._parser = MultipartParser(boundary, callbacks)
        except ValueError as exc:  # FormParserError: e.g. an overlong boundary
            raise BadUpload(str(exc), code="malformed_multipart") from exc

    def feed(self, chunk: bytes) -> list[bytes]:
        """Parse one more chunk of the body; returns the file bytes it contained."""
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise BadUpload(f"malformed multipart body: {exc}", code="malformed_multipart") from exc
        data, self._data = self._data, []
        return data

    def finish(self) -> str:
        """After the last chunk: the file's name; fails if the body or the part is missing."""
        if not self._complete:
            raise BadUpload(
                "multipart body ended before its closing boundary", code="malformed_multipart"
            )
        if not self._found:
            raise MissingFilePart(f"the multipart body has no '{self._field.decode()}' part")
        return self.filename or "upload"

    def _on_header_name(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[bytes(self._header_name).strip().lower()] = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        disposition = self._headers.get(b"content-disposition", b"")
        _, params = parse_options_header(disposition.decode("latin-1"))
        if self._found or params.get(b"name") != self._field:
            return
        self._found = self._in_file = True
        if b"filename" in params:
            self.filename = safe_filename(params[b"filename"])

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._data.append(data[start:end])

    def _on_part_end(self) -> None:
        self._in_file = False

    def _on_end(self) -> None:
        self._complete = True


async def receive_upload(
    body: AsyncIterable[bytes],
    content_type: str | None,
    storage: ObjectStorage,
    key: str,
    limits: DatasetLimits,
) -> StoredUpload:
    """Stream the `file` part of a multipart body into storage under `key`, refusing it with
    `LimitExceeded` as soon as it is over a limit."""
    reader = FilePartReader(multipart_boundary(content_type))
    digest = hashlib.sha256()
    body_size = size = pending_size = 0
    pending: list[bytes] = []
    inspector = UploadInspector(limits)
    try:
        async with _StorageSink(storage, key) as sink:
            async for chunk in body:
                body_size += len(chunk)
                _check_body_size(body_size, limits, "the request has")
                for data in reader.feed(chunk):
                    size += len(data)
                    digest.update(data)
                    pending.append(data)
                    pending_size += len(data)
                if pending_size >= FLUSH_BYTES:
                    await _store_checked(inspector, sink, b"".join(pending))
                    pending.clear()
                    pending_size = 0
            filename = reader.finish()
            if size == 0:
                raise BadUpload("the uploaded file is empty", code="empty_file")
            if pending:
                await _store_checked(inspector, sink, b"".join(pending))
            # Checking a whole archive can take a moment: off the event loop, like the rest.
            await asyncio.to_thread(inspector.finish)
    finally:
        inspector.close()
    return StoredUpload(
        uri=storage.uri_for(key),
        filename=filename,
        byte_size=size,
        content_hash=digest.hexdigest(),
    )


async def _store_checked(inspector: UploadInspector, sink: _StorageSink, block: bytes) -> None:
    # Decompressing to check runs on a thread, so a bomb cannot stall the other requests.
    await asyncio.to_thread(inspector.feed, block)
    await sink.write(block)


def _check_body_size(size: int, limits: DatasetLimits, subject: str) -> None:
    # The body also holds boundaries and part headers: only what is clearly over is refused.
    limits.check("upload_bytes", size - MULTIPART_SLACK, f"{subject} {size:,} bytes")


class _StorageSink:
    """One storage object written on a private thread: blocking I/O stays off the event loop,
    and writes, commit and abort run in order even if the request is cancelled mid-write."""

    def __init__(self, storage: ObjectStorage, key: str) -> None:
        self._storage = storage
        self._key = key
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="upload")
        self._stack = ExitStack()
        self._stream: BinaryIO | None = None

    async def write(self, data: bytes) -> None:
        if self._stream is None:
            self._stream = await self._run(self._open)
        await self._run(self._stream.write, data)

    async def __aenter__(self) -> _StorageSink:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Passing the exception on tells the storage writer to discard the object. Queued after
        # any write or open still running, even one whose awaiting was cancelled.
        try:
            await self._run(self._stack.__exit__, exc_type, exc, tb)
        finally:
            self._executor.shutdown(wait=False)

    def _open(self) -> BinaryIO:
        return self._stack.enter_context(self._storage.writer(self._key))

    async def _run(self, func: Callable[..., _T], *args: object) -> _T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, func, *args)


def safe_filename(raw: bytes) -> str:
    """The base name of a client's file name, safe to store and to show.

    Browsers may send a full client path: only its last segment is kept. Control and
    direction-changing characters (NUL among them) are dropped, runs of spaces made one, and a
    long name is cut to `FILE_NAME_CHARS` keeping its extension (the profiler reads it). A name
    with nothing left, or only dots, is `upload`.
    """
    name = raw.decode("utf-8", errors="replace").replace("\\", "/").rsplit("/", 1)[-1]
    name = " ".join(_UNSAFE_IN_NAMES.sub("", name).split())
    if not name.strip("."):
        return "upload"
    if len(name) > FILE_NAME_CHARS:
        suffix = "".join(PurePosixPath(name).suffixes[-2:])
        suffix = suffix if len(suffix) <= _LONGEST_SUFFIX else ""
        name = name[: FILE_NAME_CHARS - len(suffix)] + suffix
    return name
