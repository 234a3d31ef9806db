"""Workbooks, Parquet and JSON uploads read into tables (CSV has a streaming reader of its own)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.json as pajson
import pyarrow.parquet as pq
from python_calamine import CalamineError, CalamineWorkbook

from modulardata.contracts.profile import RenamedColumn
from modulardata.ingestion.columns import canonical_table, unique_names
from modulardata.ingestion.dialect import looks_like_header
from modulardata.ingestion.exceptions import EmptyFile, HeaderOnly, InvalidUtf8, Unreadable


def read_xlsx(path: Path) -> tuple[pa.Table, str, bool, list[RenamedColumn]]:
    """The first worksheet with data; returns the table, the sheet, header or not, renames."""
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = [(name, workbook.get_sheet_by_name(name)) for name in workbook.sheet_names]
        named_rows = [(name, sheet.to_python(skip_empty_area=True)) for name, sheet in sheets]
    except (CalamineError, ValueError) as exc:
        raise Unreadable(f"the workbook cannot be read: {exc}") from None
    for sheet_name, rows in named_rows:
        cells = [[None if value == "" else value for value in row] for row in rows]
        if any(value is not None for row in cells for value in row):
            name = sheet_name
            break
    else:
        raise EmptyFile("the workbook has no worksheet with data")
    first, rest = cells[0], cells[1:]
    header = looks_like_header(
        [_text(v) or "" for v in first], [[_text(v) or "" for v in row] for row in rest]
    )
    if not header:
        first, rest = [None] * len(first), cells
    if not rest:
        raise HeaderOnly(f"the sheet '{name}' has a header row but no data rows")
    names, renamed = unique_names([_text(value) or "" for value in first])
    columns = [_column([row[i] for row in rest]) for i in range(len(names))]
    keep = [
        i
        for i, column in enumerate(columns)
        if first[i] is not None or column.null_count < len(column)
    ]
    table = pa.table([columns[i] for i in keep], names=[names[i] for i in keep])
    kept = set(table.column_names)
    return table, name, header, [r for r in renamed if r.name in kept] if header else []


def read_parquet(path: Path) -> tuple[pa.Table, list[RenamedColumn]]:
    """A Parquet file, in the canonical shape."""
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        raise Unreadable(f"the Parquet file cannot be read: {exc}") from None
    return canonical_table(table)


def read_json(path: Path) -> tuple[pa.Table, list[RenamedColumn]]:
    """A JSON array of records (or an object holding one); nested objects become `a.b` columns."""
    try:
        with path.open(encoding="utf-8-sig") as text:
            document = json.load(text)
    except UnicodeDecodeError as exc:
        raise InvalidUtf8(str(exc)) from None
    except json.JSONDecodeError as exc:
        raise Unreadable(f"line {exc.lineno} is not valid JSON: {exc.msg}") from None
    return _from_records(_records_of(document))


def read_json_lines(path: Path) -> tuple[pa.Table, list[RenamedColumn]]:
    """One JSON record per line; pyarrow's parallel reader first, Python's for what it refuses."""
    try:
        return canonical_table(pajson.read_json(path))
    except pa.ArrowInvalid:
        pass  # e.g. a field that changes type between records: read it as text below
    records: list[Any] = []
    try:
        with path.open(encoding="utf-8-sig") as text:
            for number, line in enumerate(text, start=1):
                if line.strip():
                    try:
                        records.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise Unreadable(f"line {number} is not valid JSON: {exc.msg}") from None
    except UnicodeDecodeError as exc:
        raise InvalidUtf8(str(exc)) from None
    return _from_records(records)


def _records_of(document: Any) -> list[Any]:
    if isinstance(document, dict):
        lists = [value for value in document.values() if isinstance(value, list)]
        document = lists[0] if len(lists) == 1 else [document]
    if not isinstance(document, list):
        raise Unreadable("the JSON file holds a single value, not records")
    return document


def _from_records(records: list[Any]) -> tuple[pa.Table, list[RenamedColumn]]:
    if not records:
        raise HeaderOnly("the JSON file holds no records")
    flat: list[dict[str, Any]] = []
    for number, record in enumerate(records, start=1):
        if not isinstance(record, dict):
            raise Unreadable(f"record {number} is not an object but {type(record).__name__}")
        flat.append(dict(_flatten(record, "")))
    keys = list(dict.fromkeys(key for record in flat for key in record))
    names, renamed = unique_names(keys)
    columns = [_column([record.get(key) for record in flat]) for key in keys]
    return pa.table(columns, names=names), renamed


def _flatten(record: dict[str, Any], prefix: str) -> Iterable[tuple[str, Any]]:
    for key, value in record.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            yield from _flatten(value, name)
        else:
            yield name, value


def _column(values: list[Any]) -> pa.Array[Any]:
    """An array of the values' common type; text when they have none."""
    present = [value for value in values if value is not None]
    if all(isinstance(value, float) and value.is_integer() for value in present) and present:
        values = [None if value is None else int(value) for value in values]
    try:
        if not any(isinstance(value, dict | list) for value in present):
            array: pa.Array[Any] = pa.array(values)
            return array
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        pass
    return pa.array([_text(value) for value in values], pa.string())


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)
