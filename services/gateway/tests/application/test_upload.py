"""The streaming multipart upload: any chunking, size limits, nothing left over on failure."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import pytest

from modulardata.contracts.limits import DatasetLimits, LimitExceeded
from modulardata.contracts.text import FILE_NAME_CHARS
from modulardata.gateway.application.upload import (
    FLUSH_BYTES,
    MULTIPART_SLACK,
    FilePartReader,
    check_declared_length,
    receive_upload,
    safe_filename,
)
from modulardata.gateway.exceptions import BadUpload, MissingFilePart, UnsupportedMediaType
from modulardata.storage import LocalStorage
from tests.support.bombs import gzip_bomb, wide_csv, xlsx_bomb

BOUNDARY = "----boundary7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
# Content that looks like the start of a boundary, to trip up a naive parser.
TRICKY_CSV = b"a,b\r\n1,\r\n--\r\n2,----boundary7MA4\r\n3,4\r\n"


def multipart(*parts: tuple[str, str | None, bytes]) -> bytes:
    """A multipart/form-data body of (field name, file name or None, content) parts."""
    body = b""
    for name, filename, content in parts:
        disposition = f'form-data; name="{name}"'
        if filename is not None:
            disposition += f'; filename="{filename}"'
        body += f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename is not None:
            body += b"Content-Type: text/csv\r\n"
        body += b"\r\n" + content + b"\r\n"
    return body + f"--{BOUNDARY}--\r\n".encode()


def read_file_part(chunks: Sequence[bytes]) -> tuple[bytes, str]:
    reader = FilePartReader(BOUNDARY.encode())
    data = b"".join(piece for chunk in chunks for piece in reader.feed(chunk))
    return data, reader.finish()


async def stream(body: bytes, chunk_size: int = 65536) -> AsyncIterator[bytes]:
    for start in range(0, len(body), chunk_size):
        yield body[start : start + chunk_size]


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def _limit(upload_bytes: int) -> DatasetLimits:
    return DatasetLimits(upload_bytes=upload_bytes)


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path)


def test_the_file_part_is_found_whatever_the_chunk_boundaries() -> None:
    body = multipart(("note", None, b"hello"), ("file", "data.csv", TRICKY_CSV), ("x", None, b"y"))
    for split in range(len(body) + 1):
        assert read_file_part([body[:split], body[split:]]) == (TRICKY_CSV, "data.csv"), split
    for first in range(0, len(body), 7):
        for second in range(first, len(body), 11):
            chunks = [body[:first], body[first:second], body[second:]]
            assert read_file_part(chunks)[0] == TRICKY_CSV, (first, second)


def test_one_byte_chunks() -> None:
    body = multipart(("file", "data.csv", TRICKY_CSV))
    assert read_file_part([body[i : i + 1] for i in range(len(body))])[0] == TRICKY_CSV


def test_only_the_first_file_part_counts() -> None:
    body = multipart(("file", "one.csv", b"a\n1\n"), ("file", "two.csv", b"b\n2\n"))
    assert read_file_part([body]) == (b"a\n1\n", "one.csv")


def test_a_body_without_a_file_part_is_refused() -> None:
    with pytest.raises(MissingFilePart):
        read_file_part([multipart(("other", "data.csv", b"a\n1\n"))])


def test_a_truncated_body_is_refused() -> None:
    body = multipart(("file", "data.csv", b"a\n1\n"))
    with pytest.raises(BadUpload) as raised:
        read_file_part([body[:-10]])
    assert raised.value.code == "malformed_multipart"


def test_garbage_is_refused() -> None:
    with pytest.raises(BadUpload):
        read_file_part([b"this is not multipart at all\r\n\r\n"])


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("C:\\Users\\me\\data.csv", "data.csv"),
        ("../../etc/passwd", "passwd"),
        ("données.csv", "données.csv"),
        ("", "upload"),
        ("a\x00b.csv", "ab.csv"),
        ("\x00", "upload"),
        ("..", "upload"),
        ("tab\there\x1b[31m.csv", "tabhere[31m.csv"),
        ("invoice\u202efdp.csv", "invoicefdp.csv"),
        ("  two   spaces .csv ", "two spaces .csv"),
        ("x" * 300 + ".csv.gz", "x" * (FILE_NAME_CHARS - 7) + ".csv.gz"),
    ],
)
def test_file_names_are_reduced_to_a_safe_base_name(sent: str, kept: str) -> None:
    body = multipart(("file", sent, b"a\n1\n"))
    assert read_file_part([body])[1] == kept
    assert safe_filename(sent.encode()) == kept


async def test_an_upload_is_stored_with_its_size_and_hash(
    storage: LocalStorage, tmp_path: Path
) -> None:
    content = b"id,value\n" + b"".join(b"%d,%d\n" % (i, i * 7) for i in range(300_000))
    assert len(content) > 2 * FLUSH_BYTES
    body = multipart(("file", "big.csv", content))
    stored = await receive_upload(
        stream(body), CONTENT_TYPE, storage, "u/raw", _limit(len(content))
    )
    assert stored.uri == storage.uri_for("u/raw")
    assert (stored.filename, stored.byte_size) == ("big.csv", len(content))
    assert stored.content_hash == hashlib.sha256(content).hexdigest()
    with storage.open(stored.uri) as saved:
        assert saved.read() == content
    assert stored_files(tmp_path) == [tmp_path / "u" / "raw"]


@pytest.mark.parametrize("chunk_size", [1, 1000, 65536])
async def test_an_upload_over_the_limit_stores_nothing(
    storage: LocalStorage, tmp_path: Path, chunk_size: int
) -> None:
    content = b"a\n" * 6000
    body = multipart(("file", "data.csv", content))
    with pytest.raises(LimitExceeded):
        await receive_upload(
            stream(body, chunk_size), CONTENT_TYPE, storage, "u/raw", _limit(11_999)
        )
    assert stored_files(tmp_path) == []


async def test_an_upload_at_the_limit_is_accepted(storage: LocalStorage) -> None:
    body = multipart(("file", "data.csv", b"a\n" * 6000))
    stored = await receive_upload(stream(body), CONTENT_TYPE, storage, "u/raw", _limit(12_000))
    assert stored.byte_size == 12_000


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (wide_csv(10_000), "too_many_columns"),
        (gzip_bomb(2 << 30), "decompressed_too_large"),
        (xlsx_bomb(3_000_000), "too_many_rows"),
    ],
)
async def test_an_upload_over_a_dataset_limit_stores_nothing(
    storage: LocalStorage, tmp_path: Path, content: bytes, code: str
) -> None:
    body = multipart(("file", "data", content))
    with pytest.raises(LimitExceeded) as refused:
        await receive_upload(stream(body), CONTENT_TYPE, storage, "u/raw", DatasetLimits())
    assert refused.value.code == code
    assert stored_files(tmp_path) == []


async def test_a_huge_non_file_part_counts_against_the_limit(
    storage: LocalStorage, tmp_path: Path
) -> None:
    body = multipart(("padding", None, b"x" * (MULTIPART_SLACK + 200)), ("file", "d.csv", b"a\n"))
    with pytest.raises(LimitExceeded):
        await receive_upload(stream(body), CONTENT_TYPE, storage, "u/raw", _limit(100))
    assert stored_files(tmp_path) == []


async def test_a_missing_file_part_stores_nothing(storage: LocalStorage, tmp_path: Path) -> None:
    body = multipart(("other", "data.csv", b"a\n1\n"))
    with pytest.raises(MissingFilePart):
        await receive_upload(stream(body), CONTENT_TYPE, storage, "u/raw", _limit(1000))
    assert stored_files(tmp_path) == []


async def test_an_empty_file_is_refused(storage: LocalStorage, tmp_path: Path) -> None:
    body = multipart(("file", "data.csv", b""))
    with pytest.raises(BadUpload) as raised:
        await receive_upload(stream(body), CONTENT_TYPE, storage, "u/raw", _limit(1000))
    assert raised.value.code == "empty_file"
    assert stored_files(tmp_path) == []


async def test_binary_content_is_stored_as_is_for_the_profiler_to_judge(
    storage: LocalStorage,
) -> None:
    content = b"PK\x03\x04" + bytes(range(256)) * (FLUSH_BYTES // 128)
    body = multipart(("file", "book.xlsx", content))
    stored = await receive_upload(stream(body, 4096), CONTENT_TYPE, storage, "u/raw", _limit(10**7))
    with storage.open(stored.uri) as saved:
        assert saved.read() == content


async def test_a_truncated_upload_stores_nothing(storage: LocalStorage, tmp_path: Path) -> None:
    body = multipart(("file", "data.csv", b"a\n" * FLUSH_BYTES))
    with pytest.raises(BadUpload):
        await receive_upload(stream(body[:-100]), CONTENT_TYPE, storage, "u/raw", _limit(10**7))
    assert stored_files(tmp_path) == []


@pytest.mark.parametrize("content_type", [None, "text/csv", "application/json"])
async def test_a_body_that_is_not_multipart_is_unsupported(
    storage: LocalStorage, content_type: str | None
) -> None:
    with pytest.raises(UnsupportedMediaType):
        await receive_upload(stream(b"a,b\n1,2\n"), content_type, storage, "u/raw", _limit(1000))


async def test_multipart_without_a_boundary_is_malformed(storage: LocalStorage) -> None:
    with pytest.raises(BadUpload) as raised:
        await receive_upload(stream(b"x"), "multipart/form-data", storage, "u/raw", _limit(1000))
    assert raised.value.code == "malformed_multipart"


def test_a_declared_length_clearly_over_the_limit_is_refused_up_front() -> None:
    check_declared_length(None, _limit(1000))
    check_declared_length(str(1000 + MULTIPART_SLACK), _limit(1000))
    with pytest.raises(LimitExceeded):
        check_declared_length(str(1001 + MULTIPART_SLACK), _limit(1000))
