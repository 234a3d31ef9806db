"""A stored Parquet version streams out unchanged, as CSV batch by batch or as an Excel
workbook; a range of its rows reads as JSON-safe values."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook  # type: ignore[import-untyped]

from modulardata.contracts.values import ColumnSchema
from modulardata.gateway.application import data_export
from modulardata.gateway.application.data_export import (
    csv_chunks,
    json_value,
    parquet_chunks,
    read_rows,
    xlsx_chunks,
)
from modulardata.storage import LocalStorage


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path)


def store(storage: LocalStorage, table: pa.Table) -> str:
    with storage.writer("nodes/n/data.parquet") as sink:
        pq.write_table(table, sink, row_group_size=1000)
    return storage.uri_for("nodes/n/data.parquet")


def test_csv_is_converted_in_several_chunks(
    storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_export, "_BATCH_ROWS", 700)
    rows = 2500
    table = pa.table(
        {
            "id": list(range(rows)),
            "name": [f'name, {i} "quoted"' if i % 3 else None for i in range(rows)],
            "score": [i / 4 for i in range(rows)],
        }
    )
    chunks = list(csv_chunks(storage, store(storage, table)))
    assert len(chunks) >= 4
    parsed = list(csv.reader(io.StringIO(b"".join(chunks).decode())))
    assert parsed[0] == ["id", "name", "score"]
    assert len(parsed) == rows + 1
    assert parsed[2] == ["1", 'name, 1 "quoted"', "0.25"]
    assert parsed[1] == ["0", "", "0"]


def test_an_empty_version_is_just_its_header(storage: LocalStorage) -> None:
    table = pa.table({"a": pa.array([], pa.int64()), "b": pa.array([], pa.string())})
    assert b"".join(csv_chunks(storage, store(storage, table))) == b'"a","b"\n'


def test_parquet_is_the_stored_file(storage: LocalStorage) -> None:
    table = pa.table({"a": list(range(10_000))})
    uri = store(storage, table)
    downloaded = b"".join(parquet_chunks(storage, uri))
    with storage.open(uri) as stored:
        assert downloaded == stored.read()
    assert pq.read_table(io.BytesIO(downloaded)).equals(table)


def workbook_rows(chunks: Iterator[bytes]) -> list[tuple[object, ...]]:
    sheet = load_workbook(io.BytesIO(b"".join(chunks)), read_only=True).active
    return list(sheet.iter_rows(values_only=True))


def test_xlsx_has_a_header_and_values_excel_can_hold(storage: LocalStorage) -> None:
    oslo = datetime(2024, 5, 1, 14, 30, tzinfo=ZoneInfo("Europe/Oslo"))
    table = pa.table(
        {
            "id": [1, 2],
            "score": [1.5, float("nan")],
            "seen": pa.array([oslo, None], pa.timestamp("us", tz="Europe/Oslo")),
            "day": [date(2024, 1, 31), None],
            "note": ["bell\x07 rings", None],
            "raw": [b"\x00\x01", None],
            "tags": [["a", "b"], []],
            "city": pa.array(["Oslo", "Oslo"]).dictionary_encode(),
        }
    )
    assert workbook_rows(xlsx_chunks(storage, store(storage, table))) == [
        ("id", "score", "seen", "day", "note", "raw", "tags", "city"),
        (
            1,
            1.5,
            datetime(2024, 5, 1, 12, 30),
            datetime(2024, 1, 31),
            "bell rings",
            "AAE=",
            '["a", "b"]',
            "Oslo",
        ),
        (2, None, None, None, None, None, "[]", "Oslo"),
    ]


def test_xlsx_of_many_batches_keeps_every_row(
    storage: LocalStorage, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(data_export, "_BATCH_ROWS", 70)
    table = pa.table({"n": list(range(250))})
    rows = workbook_rows(xlsx_chunks(storage, store(storage, table)))
    assert rows == [("n",), *((n,) for n in range(250))]


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [
        (0, 3, [0, 1, 2]),
        (998, 5, [998, 999, 1000, 1001, 1002]),
        (2498, 50, [2498, 2499]),
        (2500, 10, []),
        (9999, 10, []),
    ],
)
def test_rows_are_read_from_the_row_groups_that_hold_them(
    storage: LocalStorage,
    monkeypatch: pytest.MonkeyPatch,
    offset: int,
    limit: int,
    expected: list[int],
) -> None:
    uri = store(storage, pa.table({"n": list(range(2500))}))
    read_groups: list[int] = []
    iter_batches = pq.ParquetFile.iter_batches

    def spy(self: pq.ParquetFile, **kwargs: Any) -> Iterator[pa.RecordBatch]:
        read_groups.extend(kwargs["row_groups"])
        return iter_batches(self, **kwargs)

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", spy)
    page = read_rows(storage, uri, offset, limit)
    assert [row["n"] for row in page.rows] == expected
    assert page.total_rows == 2500
    assert page.columns == [ColumnSchema(name="n", dtype="int64")]
    assert read_groups == sorted({n // 1000 for n in expected})


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (float("nan"), None),
        (float("inf"), None),
        (2.5, 2.5),
        (True, True),
        (datetime(2024, 5, 1, 12, 0, tzinfo=UTC), "2024-05-01T12:00:00+00:00"),
        (date(2024, 5, 1), "2024-05-01"),
        (time(8, 15), "08:15:00"),
        (timedelta(minutes=2), 120.0),
        (Decimal("12.30"), "12.30"),
        (b"\xff\x00", "/wA="),
        ([1, float("nan")], [1, None]),
        ({"a": date(2024, 1, 1)}, {"a": "2024-01-01"}),
        ([("k", 1)], [["k", 1]]),
    ],
)
def test_json_values_are_json_safe(value: object, expected: object) -> None:
    assert json_value(value) == expected
    json.dumps(json_value(value), allow_nan=False)


def test_row_values_come_out_json_safe(storage: LocalStorage) -> None:
    table = pa.table(
        {
            "at": pa.array([datetime(2024, 5, 1, 12, 0, 0, 1)], pa.timestamp("ns")),
            "price": pa.array([Decimal("1.10")], pa.decimal128(5, 2)),
        }
    )
    page = read_rows(storage, store(storage, table), 0, 10)
    assert page.rows == [{"at": "2024-05-01T12:00:00.000001", "price": "1.10"}]
