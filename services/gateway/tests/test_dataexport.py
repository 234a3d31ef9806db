"""A stored Parquet version streams out unchanged, or as CSV batch by batch."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modulardata.gateway import dataexport
from modulardata.gateway.dataexport import csv_chunks, parquet_chunks
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
    monkeypatch.setattr(dataexport, "_BATCH_ROWS", 700)
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
