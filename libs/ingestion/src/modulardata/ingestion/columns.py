"""Column names made unique, and tables from any format brought to the canonical shape."""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from modulardata.contracts.limits import COLUMN_NAME_CHARS
from modulardata.contracts.profile import RenamedColumn
from modulardata.contracts.text import escaped


def unique_names(raw: list[str]) -> tuple[list[str], list[RenamedColumn]]:
    """Blank names become `column_<position>`, repeated ones get `_2`, `_3`...; both reported.

    A name no store takes is spelled out (a NUL as `\\x00`) and one over `COLUMN_NAME_CHARS`
    is cut, reported the same way: the data is kept under a name every service can carry,
    rather than the file refused for its header.
    """
    taken: set[str] = set()
    names: list[str] = []
    renamed: list[RenamedColumn] = []
    for position, name in enumerate(raw, start=1):
        base = escaped(name, COLUMN_NAME_CHARS) if name.strip() else f"column_{position}"
        unique, suffix = base, 1
        while unique in taken:
            suffix += 1
            unique = f"{base[: COLUMN_NAME_CHARS - len(str(suffix)) - 1]}_{suffix}"
        taken.add(unique)
        names.append(unique)
        if unique != name:
            renamed.append(RenamedColumn(position=position, original=name, name=unique))
    return names, renamed


def canonical_table(table: pa.Table) -> tuple[pa.Table, list[RenamedColumn]]:
    """Nested records flattened to `a.b` columns, lists and maps as JSON text, names unique."""
    while any(pa.types.is_struct(field.type) for field in table.schema):
        table = table.flatten()
    columns = [
        _as_json_text(column) if pa.types.is_nested(column.type) else column
        for column in table.columns
    ]
    names, renamed = unique_names([str(name) for name in table.column_names])
    return pa.table(columns, names=names), renamed


def _as_json_text(column: pa.ChunkedArray[Any]) -> pa.Array[Any]:
    values = [
        None if value is None else json.dumps(value, default=str) for value in column.to_pylist()
    ]
    return pa.array(values, pa.string())
