"""Stored dataset versions read for clients: streamed as Parquet, CSV or Excel, a range of rows
as JSON values, or a whole version in memory.

The functions are synchronous (storage and pyarrow block); Starlette runs the generators on a
thread, and the routes call the others through `asyncio.to_thread`.
"""

from __future__ import annotations

import base64
import io
import json
import math
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, Literal

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
from openpyxl import Workbook  # type: ignore[import-untyped]
from pydantic import JsonValue

from modulardata.contracts.values import ColumnSchema
from modulardata.storage import ObjectStorage

DataFormat = Literal["csv", "parquet", "xlsx"]

MEDIA_TYPES: dict[DataFormat, str] = {
    "csv": "text/csv; charset=utf-8",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
XLSX_MAX_ROWS = 1_048_576 - 1
"""The rows of an Excel sheet, less the header row."""

_READ_BYTES = 1024 * 1024
_BATCH_ROWS = 10_000
_NOT_IN_EXCEL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"
"""Control characters an Excel cell cannot hold."""


@dataclass(frozen=True)
class RowRange:
    """Some of a version's rows, with values JSON can carry."""

    columns: list[ColumnSchema]
    rows: list[dict[str, JsonValue]]
    total_rows: int


def parquet_chunks(storage: ObjectStorage, uri: str) -> Iterator[bytes]:
    """The stored Parquet file, in chunks."""
    with storage.open(uri) as stream:
        yield from _chunks(stream)


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


def xlsx_chunks(storage: ObjectStorage, uri: str) -> Iterator[bytes]:
    """The stored Parquet file as an Excel workbook: one sheet, a header row, then the rows.

    A sheet holds at most XLSX_MAX_ROWS rows: check before calling. The workbook is written to
    a temporary file (openpyxl's write-only mode keeps memory flat), then streamed.
    """
    with tempfile.TemporaryDirectory(prefix="modulardata-xlsx-") as folder:
        path = Path(folder) / "data.xlsx"
        _write_xlsx(storage, uri, path)
        with path.open("rb") as stream:
            yield from _chunks(stream)


EXPORTERS: dict[DataFormat, Callable[[ObjectStorage, str], Iterator[bytes]]] = {
    "csv": csv_chunks,
    "parquet": parquet_chunks,
    "xlsx": xlsx_chunks,
}


def read_rows(storage: ObjectStorage, uri: str, offset: int, limit: int) -> RowRange:
    """Rows `offset` to `offset + limit` of the stored version (fewer, or none, past its end),
    decoding only the row groups that hold them."""
    with storage.local_copy(uri) as path, pq.ParquetFile(path) as parquet:
        batches = list(_row_range(parquet, offset, limit))
        schema, total_rows = parquet.schema_arrow, parquet.metadata.num_rows
    return RowRange(
        columns=[ColumnSchema(name=field.name, dtype=str(field.type)) for field in schema],
        rows=[
            {name: json_value(value) for name, value in row.items()}
            for batch in batches
            for row in batch.to_pylist()
        ],
        total_rows=total_rows,
    )


def read_table(storage: ObjectStorage, uri: str) -> pa.Table:
    """The whole stored version, in memory."""
    with storage.local_copy(uri) as path:
        return pq.read_table(path)


def json_value(value: object) -> JsonValue:
    """A value read from Arrow as JSON carries it: NaN and infinities are null, moments ISO
    8601 text, durations seconds, decimals exact text and bytes base64."""
    match value:
        case None | bool() | int() | str():
            return value
        case float():
            return value if math.isfinite(value) else None
        case datetime() | date() | time():
            return value.isoformat()
        case timedelta():
            return value.total_seconds()
        case Decimal():
            return str(value)
        case bytes():
            return base64.b64encode(value).decode("ascii")
        case dict():
            return {str(key): json_value(item) for key, item in value.items()}
        case list() | tuple():
            return [json_value(item) for item in value]
        case _:
            return str(value)


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    while chunk := stream.read(_READ_BYTES):
        yield chunk


def _drain(buffer: io.BytesIO) -> bytes:
    data = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return data


def _row_range(parquet: pq.ParquetFile, offset: int, limit: int) -> Iterator[pa.RecordBatch]:
    groups, skip, first = [], offset, 0
    for index in range(parquet.num_row_groups):
        rows = parquet.metadata.row_group(index).num_rows
        if first + rows <= offset:
            skip -= rows
        elif first < offset + limit:
            groups.append(index)
        first += rows
    if not groups:
        return
    remaining = limit
    for batch in parquet.iter_batches(batch_size=_BATCH_ROWS, row_groups=groups):
        part = batch.slice(skip, remaining)
        skip = max(skip - batch.num_rows, 0)
        remaining -= part.num_rows
        yield part
        if not remaining:
            return


def _write_xlsx(storage: ObjectStorage, uri: str, path: Path) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("data")
    with storage.local_copy(uri) as source, pq.ParquetFile(source) as parquet:
        sheet.append(parquet.schema_arrow.names)
        for batch in parquet.iter_batches(batch_size=_BATCH_ROWS):
            for row in zip(*(_excel_values(column) for column in batch.columns), strict=True):
                sheet.append(row)
    workbook.save(path)


def _excel_values(column: pa.Array[Any]) -> list[object]:
    """A column's values as Excel can hold them: it has no NaN, time zones, bytes or lists."""
    values: Any = column
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    kind = values.type
    if pa.types.is_floating(kind):
        values = pc.if_else(pc.is_finite(values), values, pa.scalar(None, kind))
    elif pa.types.is_timestamp(kind) and kind.tz is not None:
        values = pc.cast(values, pa.timestamp(kind.unit))  # naive UTC
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = pc.replace_substring_regex(values, _NOT_IN_EXCEL, "")
    elif not _excel_holds(kind):
        return [None if value is None else _text(value) for value in values.to_pylist()]
    return list(values.to_pylist())


def _excel_holds(kind: pa.DataType) -> bool:
    return bool(
        pa.types.is_null(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_integer(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_date(kind)
        or pa.types.is_time(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_duration(kind)
    )


def _text(value: object) -> str:
    """Bytes, lists, structs and maps as one text cell: base64, or JSON."""
    converted = json_value(value)
    return converted if isinstance(converted, str) else json.dumps(converted)
