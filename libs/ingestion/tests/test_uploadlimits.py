"""Uploads over a limit are refused while they stream in; uploads within them pass."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest

from modulardata.contracts.limits import DatasetLimits, LimitExceeded
from modulardata.ingestion.ingest import read_upload
from modulardata.ingestion.uploadlimits import UploadInspector
from tests.support.bombs import gzip_bomb, wide_csv, xlsx_bomb

SMALL = DatasetLimits(cell_bytes=1000, columns=10, rows=1000, decompressed_bytes=1 << 20)


def _inspect(data: bytes, limits: DatasetLimits = SMALL, *, chunk: int = 1000) -> int:
    """Feed `data` in chunks; returns how many bytes were fed when it was refused."""
    inspector = UploadInspector(limits)
    fed = 0
    try:
        for start in range(0, len(data), chunk):
            inspector.feed(data[start : start + chunk])
            fed = start + chunk
        inspector.finish()
    finally:
        inspector.close()
    return fed


def _refused(data: bytes, limits: DatasetLimits = SMALL, *, chunk: int = 1000) -> LimitExceeded:
    with pytest.raises(LimitExceeded) as refused:
        _inspect(data, limits, chunk=chunk)
    return refused.value


@pytest.mark.parametrize(
    "data",
    [
        b"a,b,c\n1,2,3\n",
        b'"x,y,z,q,r,s,t,u,v,w,k",b\n1,2\n',  # commas inside quotes are not columns
        b"a;b\n" + (b"x" * 999 + b";1\n") * 50,  # values just at the cell limit
        b'[{"a": 1}, {"a": 2}, {"a": 3}, {"a": 4}, {"a": 5}, {"a": 6}, {"a": 7}, {"a": 8}]',
        gzip.compress(b"a,b\n" + b"1,2\n" * 1000),
        xlsx_bomb(1000),
        b"PAR1" + bytes(5000),
    ],
)
def test_uploads_within_the_limits_pass(data: bytes) -> None:
    _inspect(data)


def test_a_wide_header_is_refused_from_its_first_line() -> None:
    refused = _refused(wide_csv(10_000), DatasetLimits(), chunk=64 * 1024)
    assert refused.code == "too_many_columns"
    assert "limit of 1,000 columns (MODULARDATA_LIMIT_COLUMNS)" in refused.message


@pytest.mark.parametrize("separator", [b",", b"\t", b";", b"|"])
def test_columns_are_counted_for_every_delimiter(separator: bytes) -> None:
    assert _refused(separator.join([b"c"] * 11) + b"\n1\n").code == "too_many_columns"


def test_a_value_over_the_cell_limit_is_refused_across_chunks() -> None:
    refused = _refused(b"a,b\n1," + b"x" * 1001 + b"\n", chunk=7)
    assert refused.code == "cell_too_large"
    assert "limit of 1,000 bytes (MODULARDATA_LIMIT_CELL_BYTES)" in refused.message


def test_a_gzip_bomb_is_refused_once_it_expands_past_the_limit() -> None:
    bomb = gzip_bomb(64 << 20)
    refused = _refused(bomb, chunk=1024)
    assert refused.code == "decompressed_too_large"
    assert "(MODULARDATA_LIMIT_DECOMPRESSED_BYTES)" in refused.message


def test_a_value_inside_gzip_is_checked() -> None:
    assert _refused(gzip.compress(b"a\n" + b"x" * 5000)).code == "cell_too_large"


@pytest.mark.parametrize("declare_dimension", [True, False])
def test_an_xlsx_with_more_rows_than_a_sheet_holds_is_refused(declare_dimension: bool) -> None:
    bomb = xlsx_bomb(3_000_000, declare_dimension=declare_dimension)
    assert len(bomb) < 500_000
    refused = _refused(bomb, DatasetLimits(), chunk=64 * 1024)
    assert refused.code == "too_many_rows"
    assert "1,048,576" in refused.message


def test_an_xlsx_over_the_row_limit_is_refused() -> None:
    refused = _refused(xlsx_bomb(5000, declare_dimension=False))
    assert refused.code == "too_many_rows"
    assert "limit of 1,000 rows (MODULARDATA_LIMIT_ROWS)" in refused.message


def test_an_archive_expanding_past_the_limit_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.bin", bytes(2 << 20))
    assert _refused(buffer.getvalue()).code == "decompressed_too_large"


def test_the_upload_size_is_counted() -> None:
    refused = _refused(b"a\n" + b"1\n" * 100, DatasetLimits(upload_bytes=100))
    assert refused.code == "upload_too_large"


def test_the_profiler_reads_gzip_within_the_limits(tmp_path: Path) -> None:
    source = tmp_path / "upload"
    source.write_bytes(gzip.compress(b"name,age\nAda,36\nAlan,41\n"))
    ingested = read_upload(source, filename="people.csv.gz", workdir=tmp_path, limits=SMALL)
    assert ingested.table.to_pylist() == [{"name": "Ada", "age": 36}, {"name": "Alan", "age": 41}]
    source.write_bytes(gzip_bomb(4 << 20))
    with pytest.raises(LimitExceeded) as refused:
        read_upload(source, filename="bomb.csv.gz", workdir=tmp_path, limits=SMALL)
    assert refused.value.code == "decompressed_too_large"


def test_the_profiler_checks_every_value_it_read(tmp_path: Path) -> None:
    source = tmp_path / "upload.csv"
    source.write_bytes(b'a,b\n1,"' + b"x," * 600 + b'"\n')
    with pytest.raises(LimitExceeded) as refused:
        read_upload(source, filename="upload.csv", workdir=tmp_path, limits=SMALL)
    assert refused.value.code == "cell_too_large"
    assert "column 'b'" in refused.value.message
