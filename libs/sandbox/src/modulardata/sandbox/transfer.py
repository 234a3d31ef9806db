"""Layer 4, safe transfer: frames cross the process boundary as Arrow IPC, and what comes
back is validated before it becomes a DataFrame again.

Arrow IPC carries typed columns only, so a result cannot smuggle a Python object: every field
must have a plain type (numbers, booleans, text, dates, times, durations, or a dictionary of
those for categoricals). Nested, binary, decimal and extension types are refused, as are
results over the row, column or byte limits, and buffers are fully validated before use.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from modulardata.sandbox.exceptions import ResultRejected


@dataclass(frozen=True)
class ResultLimits:
    """The largest result a snippet may leave in `df` (rows, columns and cells as for uploads)."""

    max_rows: int = 10_000_000
    max_columns: int = 1_000
    max_cell_bytes: int = 256 * 1024
    max_bytes: int = 1024 * 1024 * 1024


def frame_to_ipc(data: pd.DataFrame | pa.Table) -> pa.Buffer:
    """A frame (or a table, sent as it is) as one Arrow IPC stream; `ResultRejected` when a
    column is not plain data."""
    try:
        table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, nthreads=1)
    except (pa.ArrowException, ValueError, TypeError) as exc:
        raise ResultRejected(
            "the result holds values that are not plain data (objects, functions or mixed "
            f"types in one column): {_first_line(exc)}"
        ) from None
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue()


def ipc_to_frame(data: bytes | bytearray | pa.Buffer, limits: ResultLimits) -> pd.DataFrame:
    """The DataFrame in an Arrow IPC stream, once it passed every check of `limits`."""
    if len(data) > limits.max_bytes:
        raise ResultRejected(f"the result is larger than {limits.max_bytes / 1e6:.1f} MB")
    try:
        table = pa.ipc.open_stream(pa.py_buffer(data)).read_all()
        table.validate(full=True)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ResultRejected(f"the result could not be read back: {_first_line(exc)}") from None
    check_table(table, limits)
    try:
        return table.to_pandas()
    except Exception as exc:  # the pandas metadata came from the untrusted side
        raise ResultRejected(
            f"the result could not be rebuilt ({_first_line(exc)}); give it plain column "
            "labels, e.g. df.columns = [str(c) for c in df.columns]"
        ) from None


def check_table(table: pa.Table, limits: ResultLimits) -> None:
    """Raise `ResultRejected` unless `table` is within `limits` and holds plain columns only."""
    if table.num_rows > limits.max_rows:
        raise ResultRejected(
            f"the result has {table.num_rows:,} rows, more than the limit of {limits.max_rows:,}"
        )
    if table.num_columns > limits.max_columns:
        raise ResultRejected(
            f"the result has {table.num_columns:,} columns, "
            f"more than the limit of {limits.max_columns:,}"
        )
    for field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            longest = pc.max(pc.binary_length(column)).as_py() or 0
            if longest > limits.max_cell_bytes:
                raise ResultRejected(
                    f"a value of the result column '{field.name}' has {longest:,} bytes, "
                    f"more than the limit of {limits.max_cell_bytes:,}"
                )
        if not is_plain(field.type):
            raise ResultRejected(
                f"the result column '{field.name}' has type {field.type}; only numbers, text, "
                "booleans, dates, times and categories can be stored (convert it, e.g. with "
                ".astype(str))"
            )


def is_plain(arrow_type: pa.DataType) -> bool:
    """Whether a column of this type holds only plain scalar values."""
    if isinstance(arrow_type, pa.BaseExtensionType):
        return False
    if pa.types.is_dictionary(arrow_type):
        return pa.types.is_integer(arrow_type.index_type) and is_plain(arrow_type.value_type)
    return any(
        check(arrow_type)
        for check in (
            pa.types.is_null,
            pa.types.is_boolean,
            pa.types.is_integer,
            pa.types.is_floating,
            pa.types.is_string,
            pa.types.is_large_string,
            pa.types.is_string_view,
            pa.types.is_date,
            pa.types.is_time,
            pa.types.is_timestamp,
            pa.types.is_duration,
        )
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0][:300] if text else type(exc).__name__
