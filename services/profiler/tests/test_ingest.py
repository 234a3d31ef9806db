"""CSV uploads become Parquet with sensible types, or fail with a code and a plain reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from modulardata.profiler.exceptions import IngestionError
from modulardata.profiler.ingest import IngestResult, ingest_csv

TINY_BLOCK = 64
"""Bytes per block in tests that need type inference to see only the first rows."""


def _ingest(
    tmp_path: Path, data: bytes, *, max_rows: int | None = None, block_size: int | None = None
) -> tuple[IngestResult, list[dict[str, Any]]]:
    source = tmp_path / "upload.csv"
    source.write_bytes(data)
    destination = tmp_path / "version.parquet"
    if block_size is None:
        result = ingest_csv(source, destination, max_rows=max_rows)
    else:
        result = ingest_csv(source, destination, max_rows=max_rows, block_size=block_size)
    return result, pq.read_table(destination).to_pylist()


def _dtypes(result: IngestResult) -> dict[str, str]:
    return {column.name: column.dtype for column in result.columns}


def test_mixed_types_are_inferred(tmp_path: Path) -> None:
    data = b"id,price,name,active,day\n1,2.5,apple,true,2024-01-31\n2,3,pear,false,2024-02-01\n"
    result, rows = _ingest(tmp_path, data)
    assert (result.row_count, result.column_count) == (2, 5)
    assert _dtypes(result) == {
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


def test_quoted_values_keep_newlines_commas_and_quotes(tmp_path: Path) -> None:
    data = b'id,note\n1,"two\nlines"\n2,"a, b"\n3,"say ""hi"""\n'
    result, rows = _ingest(tmp_path, data)
    assert result.row_count == 3
    assert [row["note"] for row in rows] == ["two\nlines", "a, b", 'say "hi"']


def test_a_stray_quote_inside_an_unquoted_value_is_kept(tmp_path: Path) -> None:
    _, rows = _ingest(tmp_path, b"name,height\nann,5'11\"\nbob,6'\n")
    assert [row["height"] for row in rows] == ["5'11\"", "6'"]


def test_windows_line_endings(tmp_path: Path) -> None:
    result, rows = _ingest(tmp_path, b"a,b\r\n1,x\r\n2,y\r\n")
    assert _dtypes(result) == {"a": "int64", "b": "string"}
    assert rows == [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]


def test_utf8_bom_is_not_part_of_the_first_name(tmp_path: Path) -> None:
    result, rows = _ingest(tmp_path, "\ufeffcity,n\nZürich,1\n".encode())
    assert [column.name for column in result.columns] == ["city", "n"]
    assert rows == [{"city": "Zürich", "n": 1}]


def test_duplicate_and_blank_headers_are_made_unique(tmp_path: Path) -> None:
    result, rows = _ingest(tmp_path, b"name,name, ,name_2,,name\n1,2,3,4,5,6\n")
    names = ["name", "name_2", "column_3", "name_2_2", "column_5", "name_3"]
    assert [column.name for column in result.columns] == names
    assert rows == [dict(zip(names, range(1, 7), strict=True))]


@pytest.mark.parametrize(
    ("late_value", "dtype", "first_value"),
    [("oops", "string", "1"), ("2.5", "double", 1.0)],
)
def test_a_type_that_changes_after_the_first_block_is_widened(
    tmp_path: Path, late_value: str, dtype: str, first_value: object
) -> None:
    data = b"a,b\n" + b"1,x\n" * 100 + f"{late_value},y\n".encode()
    result, rows = _ingest(tmp_path, data, block_size=TINY_BLOCK)
    assert result.row_count == 101
    assert _dtypes(result) == {"a": dtype, "b": "string"}
    assert rows[0]["a"] == first_value
    assert rows[-1] == {"a": late_value if dtype == "string" else 2.5, "b": "y"}


def test_a_column_widens_twice_when_text_follows_decimals(tmp_path: Path) -> None:
    data = b"a\n" + b"1\n" * 50 + b"2.5\n" + b"3\n" * 50 + b"n/a\n"
    result, rows = _ingest(tmp_path, data, block_size=TINY_BLOCK)
    assert _dtypes(result) == {"a": "string"}
    assert rows[50]["a"] == "2.5"
    assert rows[-1]["a"] == "n/a"


def test_a_column_empty_in_the_first_block_is_text(tmp_path: Path) -> None:
    data = b"a,b\n" + b"1,\n" * 100 + b"2,late\n"
    result, rows = _ingest(tmp_path, data, block_size=TINY_BLOCK)
    assert _dtypes(result) == {"a": "int64", "b": "string"}
    assert rows[0]["b"] is None
    assert rows[-1]["b"] == "late"


def test_max_rows_is_inclusive(tmp_path: Path) -> None:
    result, _ = _ingest(tmp_path, b"a\n1\n2\n3\n", max_rows=3)
    assert result.row_count == 3


@pytest.mark.parametrize(
    ("data", "code", "reason"),
    [
        (b"", "empty_file", "empty"),
        (b"\xef\xbb\xbf\r\n \n", "empty_file", "empty"),
        (b"a,b,c\n", "header_only", "no data rows"),
        (b"a,b\n\n\n", "header_only", "no data rows"),
        (b"a,b\n1,2\n3,\x004\n", "not_text", "line 3"),
        ("a,b\n1,2\n".encode("utf-16"), "not_text", "line 1"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_text", "binary"),
        (b"a,b\n1,2\n3,caf\xe9\n", "undecodable", "line 3 is not valid UTF-8"),
        (b"a,b\n1,caf\xc3", "undecodable", "ends in the middle"),
        (b'a,b\n1,2\n"3,4\n5,6\n', "unterminated_quote", "starts on line 3 is never closed"),
        (b'a,b\n1,2\n3,"4\n', "unterminated_quote", "starts on line 3 is never closed"),
        (b'a,b\n1,2\n3,"4\n5,6\n7,8\n', "unterminated_quote", "starts on line 3 is never closed"),
        (b"a,b\n1,2\n3,4,5\n6,7\n", "unreadable", "line 3 has 3 values but the header has 2"),
        (b'a,b\n1,"x\ny"\n3\n', "unreadable", "line 4 has 1 values but the header has 2"),
        (b"a\n1\n2\n3\n4\n", "too_large", "limit of 3"),
    ],
)
def test_bad_input_fails_with_a_code_and_a_plain_reason(
    tmp_path: Path, data: bytes, code: str, reason: str
) -> None:
    source = tmp_path / "upload.csv"
    source.write_bytes(data)
    destination = tmp_path / "version.parquet"
    with pytest.raises(IngestionError) as failure:
        ingest_csv(source, destination, max_rows=3)
    assert failure.value.code == code
    assert reason in failure.value.reason
    assert "Traceback" not in failure.value.reason
    assert not destination.exists()


def test_an_unclosed_quote_in_a_large_file_is_found(tmp_path: Path) -> None:
    data = b"a,b\n1,2\n" + b'3,"4\n' + b"5,6\n" * 50_000
    source = tmp_path / "upload.csv"
    source.write_bytes(data)
    with pytest.raises(IngestionError) as failure:
        ingest_csv(source, tmp_path / "version.parquet", max_rows=None, block_size=TINY_BLOCK)
    assert failure.value.code == "unterminated_quote"
    assert "line 3" in failure.value.reason


def test_a_ragged_row_after_the_first_block_names_its_line(tmp_path: Path) -> None:
    data = b"a,b\n" + b"1,2\n" * 100 + b"3,4,5\n"
    source = tmp_path / "upload.csv"
    source.write_bytes(data)
    with pytest.raises(IngestionError) as failure:
        ingest_csv(source, tmp_path / "version.parquet", max_rows=None, block_size=TINY_BLOCK)
    assert failure.value.code == "unreadable"
    assert "line 102" in failure.value.reason
