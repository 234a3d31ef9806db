"""Streaming a stored dataset version to a client, as its Parquet file or converted to CSV.

The generators are synchronous (storage and pyarrow block); Starlette runs them on a thread.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Literal

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from modulardata.storage import ObjectStorage

DataFormat = Literal["csv", "parquet"]

MEDIA_TYPES: dict[DataFormat, str] = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
}
_READ_BYTES = 1024 * 1024
_BATCH_ROWS = 10_000


def parquet_chunks(storage: ObjectStorage, uri: str) -> Iterator[bytes]:
    """The stored Parquet file, in chunks."""
    with storage.open(uri) as stream:
        while chunk := stream.read(_READ_BYTES):
            yield chunk


def csv_chunks(storage: ObjectStorage, uri: str) -> Iterator[bytes]:
    """The stored Parquet file as CSV with a header row, converted one batch at a time."""
    buffer = io.BytesIO()
    with storage.local_copy(uri) as path, pq.ParquetFile(path) as parquet:
        with pa_csv.CSVWriter(buffer, parquet.schema_arrow) as writer:
            for batch in parquet.iter_batches(batch_size=_BATCH_ROWS):
                writer.write_batch(batch)
                yield _drain(buffer)
        # A table with no rows still has its header.
        if rest := _drain(buffer):
            yield rest


def _drain(buffer: io.BytesIO) -> bytes:
    data = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return data
