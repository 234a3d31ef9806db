"""CSV uploads become tables with sensible types; the corpus covers the formats and refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from modulardata.contracts.limits import COLUMN_NAME_CHARS, DatasetLimits, LimitExceeded
from modulardata.contracts.values import ColumnSchema
from modulardata.ingestion.exceptions import IngestionError
from modulardata.ingestion.ingest import Ingested, read_upload

TINY_BLOCK = 64
"""Bytes per block in tests that need type inference to see only the first rows."""


def _ingest(
    tmp_path: Path, data: bytes, *, max_rows: int = 10_000_000, block_size: int = 1 << 20
) -> tuple[Ingested, list[dict[str, Any]]]:
    source = tmp_path / "upload.csv"
    source.write_bytes(data)
    ingested = read_upload(
        source,
        filename="upload.csv",
        workdir=tmp_path,
        limits=DatasetLimits(rows=max_rows),
        block_size=block_size,
    )
    return ingested, ingested.table.to_pylist()


def _dtypes(ingested: Ingested) -> dict[str, str]:
    return {field.name: str(field.type) for field in ingested.table.schema}


def test_types_are_inferred(tmp_path: Path) -> None:
    data = b"id,price,name,active,day\n1,2.5,apple,true,2024-01-31\n2,3,pear,false,2024-02-01\n"
    ingested, rows = _ingest(tmp_path, data)
    assert _dtypes(ingested) == {
        "id": "int64",
        "price": "double",
        "name": "string",
        "active": "bool",
        "day": "date32[day]",
    }
    assert rows[1]["name"] == "pear"
    assert rows[1]["price"] == 3.0


def test_only_empty_cells_are_missing(tmp_path: Path) -> None:
    _, rows = _ingest(tmp_path, b"n,code\n1,NA\n,null\n3,\n")
    assert rows == [
        {"n": 1, "code": "NA"},
        {"n": None, "code": "null"},
        {"n": 3, "code": None},
    ]


def test_a_stray_quote_inside_an_unquoted_value_is_kept(tmp_path: Path) -> None:
    _, rows = _ingest(tmp_path, b"name,height\nann,5'11\"\nbob,6'\n")
    assert [row["height"] for row in rows] == ["5'11\"", "6'"]


@pytest.mark.parametrize(
    ("late_value", "dtype", "first_value"),
    [("oops", "string", "1"), ("2.5", "double", 1.0)],
)
def test_a_type_that_changes_after_the_first_block_is_widened(
    tmp_path: Path, late_value: str, dtype: str, first_value: object
) -> None:
    data = b"a,b\n" + b"1,x\n" * 100 + f"{late_value},y\n".encode()
    ingested, rows = _ingest(tmp_path, data, block_size=TINY_BLOCK)
    assert ingested.table.num_rows == 101
    assert _dtypes(ingested) == {"a": dtype, "b": "string"}
    assert rows[0]["a"] == first_value
    assert rows[-1] == {"a": late_value if dtype == "string" else 2.5, "b": "y"}


def test_a_column_widens_twice_when_text_follows_decimals(tmp_path: Path) -> None:
    data = b"a\n" + b"1\n" * 50 + b"2.5\n" + b"3\n" * 50 + b"n/a\n"
    ingested, rows = _ingest(tmp_path, data, block_size=TINY_BLOCK)
    assert _dtypes(ingested) == {"a": "string"}
    assert rows[50]["a"] == "2.5"
    assert rows[-1]["a"] == "n/a"


def test_a_column_empty_in_the_first_block_is_text(tmp_path: Path) -> None:
    data = b"a,b\n" + b"1,\n" * 100 + b"2,late\n"
    ingested, rows = _ingest(tmp_path, data, block_size=TINY_BLOCK)
    assert _dtypes(ingested) == {"a": "int64", "b": "string"}
    assert rows[0]["b"] is None
    assert rows[-1]["b"] == "late"


def test_max_rows_is_inclusive(tmp_path: Path) -> None:
    ingested, _ = _ingest(tmp_path, b"a\n1\n2\n3\n", max_rows=3)
    assert ingested.table.num_rows == 3


def test_the_byte_limit_is_checked_before_reading(tmp_path: Path) -> None:
    source = tmp_path / "upload.csv"
    source.write_bytes(b"a\n" + b"1\n" * 100)
    with pytest.raises(LimitExceeded) as refused:
        read_upload(
            source,
            filename="upload.csv",
            workdir=tmp_path,
            limits=DatasetLimits(upload_bytes=100),
        )
    assert refused.value.code == "upload_too_large"
    assert "limit of 100 bytes (MODULARDATA_LIMIT_UPLOAD_BYTES)" in refused.value.message


def test_an_unclosed_quote_in_a_large_file_is_found(tmp_path: Path) -> None:
    data = b"a,b\n1,2\n" + b'3,"4\n' + b"5,6\n" * 50_000
    with pytest.raises(IngestionError) as refused:
        _ingest(tmp_path, data, block_size=TINY_BLOCK)
    assert refused.value.code == "unterminated_quote"
    assert "line 3" in refused.value.reason


def test_a_ragged_row_after_the_first_block_is_set_aside_with_its_line(tmp_path: Path) -> None:
    data = b"a,b\n" + b"1,2\n" * 100 + b"3,4,5\n"
    ingested, rows = _ingest(tmp_path, data, block_size=TINY_BLOCK)
    assert len(rows) == 100
    (row,) = ingested.source.quarantined_rows
    assert (row.line, row.value_count, row.text) == (102, 3, "3,4,5")


def test_a_row_longer_than_a_block_is_refused_with_a_reason(tmp_path: Path) -> None:
    data = b"a,b\n1," + b"x" * 300 + b"\n"
    with pytest.raises(IngestionError) as refused:
        _ingest(tmp_path, data, block_size=TINY_BLOCK)
    assert refused.value.code == "unreadable"
    assert "longer than" in refused.value.reason


@pytest.mark.parametrize("filename", ["upload.json", "upload.csv"])
def test_a_header_name_no_service_could_carry_is_kept_under_a_storable_name(
    tmp_path: Path, filename: str
) -> None:
    long = "q" * (COLUMN_NAME_CHARS + 50)
    if filename.endswith(".json"):
        data = json.dumps([{"a\x00b": 1, long: 2, long + "!": 3}]).encode()
    else:  # a NUL byte makes a CSV binary (refused as such): only the long names apply
        data = f"ab,{long},{long}!\n1,2,3\n".encode()
    source = tmp_path / filename
    source.write_bytes(data)
    ingested = read_upload(source, filename=filename, workdir=tmp_path, limits=DatasetLimits())
    names = ingested.table.column_names
    for name in names:
        ColumnSchema(name=name, dtype="int64")  # what the events carry
    cut = long[: COLUMN_NAME_CHARS - 1] + "…"
    assert names[1:] == [cut, cut[: COLUMN_NAME_CHARS - 2] + "_2"]
    renamed = {(r.position, r.name) for r in ingested.source.renamed_columns}
    assert {(2, cut), (3, names[2])} <= renamed
    if filename.endswith(".json"):
        assert names[0] == "a\\x00b" and (1, "a\\x00b") in renamed
