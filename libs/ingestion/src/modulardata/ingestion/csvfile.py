"""CSV text to a table, parsed in streaming blocks by pyarrow.

Column types are inferred by pyarrow from the first block. When a later block holds a value the
inferred type cannot take, that column is widened (int64 to double when the value is a number,
otherwise to string) and the file is converted again from the start; each column widens at most
twice, so the loop ends. Columns left untyped by the first block (all empty) are read as text.
Only empty cells are missing values: text such as "NA" or "null" is kept as written (the profile
counts it). Rows whose number of values differs from the header's are set aside with their line
numbers; when too many are, the file is refused instead.
"""

from __future__ import annotations

import csv
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pyarrow as pa
import pyarrow.csv as pacsv

from modulardata.contracts.limits import DatasetLimits
from modulardata.contracts.profile import QuarantinedRow
from modulardata.ingestion.dialect import CsvDialect
from modulardata.ingestion.exceptions import (
    HeaderOnly,
    IngestionError,
    InvalidUtf8,
    Unreadable,
    UnterminatedQuote,
)

DEFAULT_BLOCK_SIZE = 1024 * 1024
"""Bytes of CSV parsed at a time; also how much of the file type inference sees."""

LISTED_QUARANTINE = 100
"""Rows set aside that are listed with their line; all of them are counted."""

_CONVERSION_ERROR = re.compile(
    r"In CSV column #(?P<index>\d+): CSV conversion error to \S+: invalid value '(?P<value>.*)'$",
    re.DOTALL,
)
_EXCERPT = 60
_ROW_TEXT = 200


@dataclass(frozen=True)
class CsvRead:
    """The converted table and what was set aside or dropped on the way."""

    table: pa.Table
    quarantined_count: int
    quarantined: list[QuarantinedRow]
    dropped: list[str]


@dataclass
class _Ragged:
    """Rows pyarrow skipped because their length is not the header's."""

    count: int = 0
    examples: list[tuple[int, str]] = field(default_factory=list)

    def __call__(self, row: pacsv.InvalidRow) -> Literal["skip", "error"]:
        self.count += 1
        if len(self.examples) < LISTED_QUARANTINE:
            self.examples.append((row.actual_columns, row.text))
        return "skip"


@dataclass(frozen=True)
class _Widening:
    """A column whose inferred type failed on a later block, and the type to try next."""

    column: str
    type: pa.DataType


def read_csv(
    path: Path,
    dialect: CsvDialect,
    *,
    limits: DatasetLimits,
    odd_quotes: bool,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> CsvRead:
    """Read the UTF-8 CSV at `path` into a table.

    Raises an `IngestionError` when the file cannot become a dataset, and `InvalidUtf8` when
    it is not UTF-8 after all.
    """
    if odd_quotes:
        _check_quotes_closed(path, dialect.delimiter)
    try:
        types = _initial_types(path, dialect, block_size)
        while True:
            ragged = _Ragged()
            outcome = _convert(path, dialect, types, ragged, limits, block_size)
            if isinstance(outcome, pa.Table):
                break
            types[outcome.column] = outcome.type
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc) or "UTF-8" in str(exc):
            raise InvalidUtf8(str(exc)) from None
        raise _parse_failure(path, exc, block_size) from None
    if outcome.num_rows == 0 and ragged.count == 0:
        raise HeaderOnly("the file has a header row but no data rows")
    if ragged.count > max(10, outcome.num_rows // 10) or outcome.num_rows == 0:
        raise _too_ragged(path, dialect, ragged.count, outcome.num_rows + ragged.count)
    quarantined = _quarantined(path, dialect, ragged) if ragged.count else []
    table, dropped = _drop_padding(outcome, dialect)
    return CsvRead(table, ragged.count, quarantined, dropped)


def _initial_types(path: Path, dialect: CsvDialect, block_size: int) -> dict[str, pa.DataType]:
    """Types pyarrow infers from the first block; all-empty columns become text."""
    with pacsv.open_csv(
        path,
        read_options=_read_options(dialect, block_size),
        parse_options=_parse_options(dialect, _Ragged()),
        convert_options=_convert_options({}),
    ) as first:
        inferred = first.schema
    return {
        name: pa.string() if pa.types.is_null(type_) else type_
        for name, type_ in zip(dialect.names, inferred.types, strict=True)
    }


def _convert(
    path: Path,
    dialect: CsvDialect,
    types: dict[str, pa.DataType],
    ragged: _Ragged,
    limits: DatasetLimits,
    block_size: int,
) -> pa.Table | _Widening:
    """One streaming pass; a `_Widening` when a column's type turned out too narrow."""
    rows = 0
    batches: list[pa.RecordBatch] = []
    with pacsv.open_csv(
        path,
        read_options=_read_options(dialect, block_size),
        parse_options=_parse_options(dialect, ragged),
        convert_options=_convert_options(types),
    ) as reader:
        schema = reader.schema
        try:
            for batch in reader:
                rows += batch.num_rows
                limits.check("rows", rows, f"the file has at least {rows:,} rows")
                batches.append(batch)
        except pa.ArrowInvalid as exc:
            widening = _widening(exc, schema)
            if widening is None:
                raise
            return widening
    return pa.Table.from_batches(batches, schema)


def _read_options(dialect: CsvDialect, block_size: int) -> pacsv.ReadOptions:
    return pacsv.ReadOptions(
        block_size=block_size,
        column_names=dialect.names,
        skip_rows_after_names=1 if dialect.header else 0,
    )


def _parse_options(dialect: CsvDialect, ragged: _Ragged) -> pacsv.ParseOptions:
    return pacsv.ParseOptions(
        delimiter=dialect.delimiter, newlines_in_values=True, invalid_row_handler=ragged
    )


def _convert_options(types: dict[str, pa.DataType]) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(column_types=types, null_values=[""], strings_can_be_null=True)


def _widening(exc: pa.ArrowInvalid, schema: pa.Schema) -> _Widening | None:
    match = _CONVERSION_ERROR.match(str(exc))
    if match is None:
        return None
    column = schema.field(int(match["index"]))
    if pa.types.is_string(column.type):
        return None
    if pa.types.is_integer(column.type) and _is_number(match["value"]):
        return _Widening(column.name, pa.float64())
    return _Widening(column.name, pa.string())


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _drop_padding(table: pa.Table, dialect: CsvDialect) -> tuple[pa.Table, list[str]]:
    """Drop trailing columns with a blank header name and no value: a trailing delimiter's."""
    blank = {renamed.name for renamed in dialect.renamed if not renamed.original.strip()}
    blank.update(dialect.names[len(dialect.names) - dialect.padded :])
    dropped: list[str] = []
    for name in reversed(dialect.names):
        if name not in blank or table.column(name).null_count != table.num_rows:
            break
        dropped.append(name)
    return (table.drop_columns(dropped) if dropped else table), dropped[::-1]


def _check_quotes_closed(path: Path, delimiter: str) -> None:
    """Reject a quote left open at the end of the file, which pyarrow takes for a long value."""
    with path.open(encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        start = 1
        try:
            for _ in reader:
                start = reader.line_num + 1
        except csv.Error as exc:
            # Strict mode also rejects text after a closing quote, which is not this problem;
            # a value over the reader's size limit, with an odd quote count, is an open quote.
            if "unexpected end of data" in str(exc) or "field limit" in str(exc):
                raise _unterminated(start) from None


def _quarantined(path: Path, dialect: CsvDialect, ragged: _Ragged) -> list[QuarantinedRow]:
    """The rows set aside, with the line each starts on (found again with Python's reader)."""
    expected = len(dialect.names)
    found: list[QuarantinedRow] = []
    with path.open(encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text, delimiter=dialect.delimiter)
        start = 1
        for row in itertools.islice(reader, 1 if dialect.header else 0, None):
            if row and len(row) != expected:
                found.append(_quarantined_row(start, row, dialect.delimiter))
                if len(found) == min(ragged.count, LISTED_QUARANTINE):
                    break
            start = reader.line_num + 1
    return found


def _quarantined_row(line: int, row: list[str], delimiter: str) -> QuarantinedRow:
    text = delimiter.join(row)
    if len(text) > _ROW_TEXT:
        text = text[:_ROW_TEXT] + "..."
    return QuarantinedRow(line=line, value_count=len(row), text=text)


def _too_ragged(path: Path, dialect: CsvDialect, ragged: int, rows: int) -> Unreadable:
    found = _quarantined(path, dialect, _Ragged(count=1))
    where = f"; the first is on line {found[0].line} with {found[0].value_count}" if found else ""
    return Unreadable(
        f"{ragged:,} of {rows:,} rows have a different number of values than the header's "
        f"{len(dialect.names)}{where}; check the delimiter and the quoting"
    )


def _parse_failure(path: Path, exc: pa.ArrowInvalid, block_size: int) -> IngestionError:
    message = str(exc).removeprefix("CSV parse error: ")
    if message.startswith("straddling object"):
        return Unreadable(f"a row is longer than {block_size:,} bytes, the most accepted")
    first_line = message.splitlines()[0] if message else "unknown error"
    return Unreadable(f"the file is not a readable CSV: {_excerpt(first_line)}")


def _unterminated(line: int) -> UnterminatedQuote:
    return UnterminatedQuote(f"the quoted value that starts on line {line} is never closed")


def _excerpt(text: str) -> str:
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."
