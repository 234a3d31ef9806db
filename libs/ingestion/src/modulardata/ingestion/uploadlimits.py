"""An upload held to the dataset limits while it streams in, before anything reads it whole.

`UploadInspector` is fed the upload's bytes in order and raises `LimitExceeded` as soon as it
knows: a text header with too many columns, a value longer than the cell limit, gzip that
expands past the decompressed-size limit. A ZIP archive (an .xlsx) is spooled to a temporary
file and checked at the end by `check_archive`: declared and actual sizes, each sheet's
declared dimension and its rows, counted while streaming. The checks are sound: what they
refuse, the profiler would refuse too; the exact checks follow when the table is read.
"""

from __future__ import annotations

import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import IO, Protocol

from modulardata.contracts.limits import DatasetLimits, LimitExceeded
from modulardata.ingestion.dialect import DELIMITERS
from modulardata.ingestion.exceptions import Unreadable

GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = b"PK\x03\x04"
SHEET_MAX_ROWS = 1_048_576
"""The most rows a workbook sheet can hold (Excel's own limit)."""
SHEET_MAX_COLUMNS = 16_384
READ_BYTES = 1024 * 1024
"""Largest piece decompressed or read at once."""
_SNIFF_BYTES = 4096
_TEXT_SEPARATORS = tuple(d.encode() for d in DELIMITERS) + (b"\n", b"\r")
_DIMENSION = re.compile(rb"<(?:\w{1,20}:)?dimension\s+ref=\"[A-Z]*\d*:?([A-Z]*)(\d*)\"")
_ROW = re.compile(rb"<(?:\w{1,20}:)?row[\s/>]")
_LONGEST_ROW_TAG = 26


class _Content(Protocol):
    def feed(self, data: bytes) -> None: ...

    def finish(self) -> None: ...


class UploadInspector:
    """Checks an upload chunk by chunk; `finish` after the last one, `close` in any case."""

    def __init__(self, limits: DatasetLimits) -> None:
        self._limits = limits
        self._size = 0
        self._head = b""
        self._content: _Content | None = None
        self._spool: IO[bytes] | None = None

    def feed(self, data: bytes) -> None:
        """Check the next bytes of the upload."""
        self._size += len(data)
        self._limits.check("upload_bytes", self._size, f"the upload has {self._size:,} bytes")
        if self._content is not None:
            self._content.feed(data)
            return
        self._head += data
        if len(self._head) >= _SNIFF_BYTES:
            self._start()

    def finish(self) -> None:
        """Check what only the whole upload shows."""
        if self._content is None:
            self._start()
        assert self._content is not None
        self._content.finish()

    def close(self) -> None:
        """Drop the temporary copy of an archive, if one was made."""
        if self._spool is not None:
            self._spool.close()

    def _start(self) -> None:
        head, self._head = self._head, b""
        if head.startswith(ZIP_MAGIC):
            self._spool = tempfile.TemporaryFile(prefix="upload-")
            self._content = _Archive(self._spool, self._limits)
        elif head.startswith(GZIP_MAGIC):
            self._content = _Gzip(self._limits, _plain_content(self._limits))
        else:
            self._content = _plain_content(self._limits)(head)
            return
        self._content.feed(head)


def _plain_content(limits: DatasetLimits) -> Callable[[bytes], _Content]:
    """Chooses the checks for uncompressed content from its first bytes, and feeds those."""

    def start(head: bytes) -> _Content:
        # NUL bytes: binary (Parquet, images, ...) or UTF-16, which the profiler checks itself.
        content: _Content = _Unchecked() if b"\x00" in head[:_SNIFF_BYTES] else _Text(limits, head)
        content.feed(head)
        return content

    return start


class _Unchecked:
    def feed(self, data: bytes) -> None:
        pass

    def finish(self) -> None:
        pass


class _Text:
    """CSV, TSV or JSON text: the header's columns (not for JSON) and the longest value."""

    def __init__(self, limits: DatasetLimits, head: bytes) -> None:
        first = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
        self._header = None if first in (b"[", b"{") else _HeaderColumns(limits)
        self._values = RunCheck(_TEXT_SEPARATORS, limits, "a value")

    def feed(self, data: bytes) -> None:
        if self._header is not None:
            self._header.feed(data)
        self._values.feed(data)

    def finish(self) -> None:
        self._values.finish()


class _HeaderColumns:
    """Counts each candidate delimiter outside quotes on the first line."""

    def __init__(self, limits: DatasetLimits) -> None:
        self._limits = limits
        self._counts = dict.fromkeys(_TEXT_SEPARATORS[: len(DELIMITERS)], 0)
        self._quoted = False
        self._done = False

    def feed(self, data: bytes) -> None:
        if self._done:
            return
        for index, piece in enumerate(data.split(b'"')):
            if index:
                self._quoted = not self._quoted
            if self._quoted:
                continue
            ends = [at for at in (piece.find(b"\n"), piece.find(b"\r")) if at >= 0]
            line = piece[: min(ends)] if ends else piece
            for delimiter in self._counts:
                self._counts[delimiter] += line.count(delimiter)
            columns = max(self._counts.values()) + 1
            self._limits.check("columns", columns, f"the header has at least {columns:,} columns")
            if ends:
                self._done = True
                return


class RunCheck:
    """Refuses a run of bytes without any separator longer than the cell limit: such a run lies
    within one value, so the value is at least that long.

    Looks only at windows of half the limit: any longer run covers one whole, so normal data
    costs one short search per window.
    """

    def __init__(self, separators: tuple[bytes, ...], limits: DatasetLimits, what: str) -> None:
        self._separators = separators
        self._pattern = re.compile(b"[" + re.escape(b"".join(separators)) + b"]")
        self._limits = limits
        self._what = what
        self._window = max(1, (limits.cell_bytes + 1) // 2)
        self._carry = b""

    def feed(self, data: bytes) -> None:
        """Check the next bytes."""
        buffer = self._carry + data
        at = 0
        while at + self._window <= len(buffer):
            if self._pattern.search(buffer, at, at + self._window):
                at += self._window
                continue
            start = max(buffer.rfind(s, 0, at) for s in self._separators) + 1
            found = self._pattern.search(buffer, at + self._window)
            end = found.start() if found else len(buffer)
            self._check(end - start)
            if found is None:
                break
            at = end + 1
        self._carry = buffer[max(buffer.rfind(s) for s in self._separators) + 1 :]
        self._check(len(self._carry))

    def finish(self) -> None:
        """Nothing is pending: the last run was checked as it came."""

    def _check(self, length: int) -> None:
        self._limits.check("cell_bytes", length, f"{self._what} has at least {length:,} bytes")


class _Gzip:
    """Decompresses as it goes, refusing once the output passes the decompressed-size limit."""

    def __init__(self, limits: DatasetLimits, inner: Callable[[bytes], _Content]) -> None:
        self._limits = limits
        self._start_inner = inner
        self._inner: _Content | None = None
        self._head = b""
        self._decompressor = zlib.decompressobj(wbits=31)
        self._size = 0
        self.damaged = False

    def feed(self, data: bytes) -> None:
        while data and not self.damaged:
            try:
                out = self._decompressor.decompress(data, READ_BYTES)
            except zlib.error:
                self.damaged = True  # the profiler reports the damaged file
                return
            self._deliver(out)
            if self._decompressor.eof:  # another member may follow
                data = self._decompressor.unused_data.lstrip(b"\x00")
                self._decompressor = zlib.decompressobj(wbits=31)
            else:
                data = self._decompressor.unconsumed_tail

    def finish(self) -> None:
        if self._inner is None:
            self._inner = self._start_inner(self._head)
        self._inner.finish()

    def _deliver(self, out: bytes) -> None:
        self._size += len(out)
        self._limits.check(
            "decompressed_bytes", self._size, f"the gzip file expands to {self._size:,} bytes"
        )
        if self._inner is not None:
            self._inner.feed(out)
            return
        self._head += out
        if len(self._head) >= _SNIFF_BYTES:
            self._inner = self._start_inner(self._head)


class _Writer:
    """Decompressed content written to a file."""

    def __init__(self, out: IO[bytes]) -> None:
        self._out = out

    def start(self, head: bytes) -> _Content:
        self._out.write(head)
        return self

    def feed(self, data: bytes) -> None:
        self._out.write(data)

    def finish(self) -> None:
        pass


def gunzip(source: Path, destination: Path, limits: DatasetLimits) -> None:
    """Decompress the gzip file `source` into `destination`, within the decompressed-size
    limit; `Unreadable` if it is damaged."""
    with source.open("rb") as raw, destination.open("wb") as out:
        decompressing = _Gzip(limits, _Writer(out).start)
        while chunk := raw.read(READ_BYTES):
            decompressing.feed(chunk)
        decompressing.finish()
    if decompressing.damaged:
        raise Unreadable("the gzip file is damaged")


class _Archive:
    """Spools the upload, to check it as an archive once it is complete."""

    def __init__(self, spool: IO[bytes], limits: DatasetLimits) -> None:
        self._spool = spool
        self._limits = limits

    def feed(self, data: bytes) -> None:
        self._spool.write(data)

    def finish(self) -> None:
        self._spool.seek(0)
        try:
            check_archive(self._spool, self._limits)
        except zipfile.BadZipFile:
            pass  # a damaged archive is the profiler's to report


def check_archive(file: IO[bytes], limits: DatasetLimits) -> None:
    """Check a ZIP archive (an .xlsx) member by member, reading each as a stream.

    Refuses an archive whose members expand past the decompressed-size limit, and a workbook
    sheet over the row or column limits or with a value over the cell limit. Raises
    `zipfile.BadZipFile` for a damaged archive (a member whose data is not what its entry says).
    """
    with zipfile.ZipFile(file) as archive:
        members = archive.infolist()
        total = sum(member.file_size for member in members)
        limits.check("decompressed_bytes", total, f"the archive expands to {total:,} bytes")
        for member in members:
            with archive.open(member) as stream:
                if member.filename.startswith("xl/") and member.filename.endswith(".xml"):
                    _check_workbook_part(stream, member.filename, limits)
                else:
                    while stream.read(READ_BYTES):
                        pass  # read to the end, so that its CRC is verified


def _check_workbook_part(stream: IO[bytes], name: str, limits: DatasetLimits) -> None:
    sheet = name.startswith("xl/worksheets/")
    values = RunCheck((b"<",), limits, f"a value in {name}")
    rows = 0
    carry = b""
    first = True
    while chunk := stream.read(READ_BYTES):
        values.feed(chunk)
        if not sheet:
            continue
        if first:
            _check_dimension(chunk, name, limits)
            first = False
        buffer = carry + chunk
        # A row tag holds one '<', its first byte: none can straddle the last '<' near the end.
        cut = buffer.rfind(b"<", max(0, len(buffer) - _LONGEST_ROW_TAG))
        cut = len(buffer) if cut < 0 else cut
        rows += len(_ROW.findall(buffer, 0, cut))
        carry = buffer[cut:]
        _check_sheet_rows(rows, name, limits)


def _check_dimension(head: bytes, name: str, limits: DatasetLimits) -> None:
    found = _DIMENSION.search(head)
    if found is None or not found[2]:
        return
    column = 0
    for letter in found[1].decode():
        column = column * 26 + ord(letter) - ord("A") + 1
    if column > SHEET_MAX_COLUMNS:
        raise LimitExceeded(
            "too_many_columns",
            f"{name} declares {column:,} columns, over the {SHEET_MAX_COLUMNS:,} a sheet holds",
        )
    limits.check("columns", column, f"{name} declares {column:,} columns")
    _check_sheet_rows(int(found[2]), name, limits)


def _check_sheet_rows(rows: int, name: str, limits: DatasetLimits) -> None:
    if rows > SHEET_MAX_ROWS:
        raise LimitExceeded(
            "too_many_rows",
            f"{name} has at least {rows:,} rows, over the {SHEET_MAX_ROWS:,} a sheet can hold",
        )
    # The first row may be the header: only the rest are sure to be data.
    limits.check("rows", rows - 1, f"{name} has at least {rows - 1:,} data rows")
