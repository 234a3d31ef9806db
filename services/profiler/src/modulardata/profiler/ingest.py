"""CSV upload to canonical Parquet, streamed block by block so memory stays bounded.

Column types are inferred by pyarrow from the first block. When a later block holds a value the
inferred type cannot take, that column is widened (int64 to double when the value is a number,
otherwise to string) and the file is converted again from the start; each column widens at most
twice, so the loop ends. Columns left untyped by the first block (all empty) are read as text.
Only empty cells are missing values: text such as "NA" or "null" is kept as written.
"""

from __future__ import annotations

import codecs
import csv
import itertools
import re
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from modulardata.contracts.values import ColumnSchema
from modulardata.profiler.exceptions import (
    EmptyFile,
    HeaderOnly,
    IngestionError,
    NotText,
    TooLarge,
    Undecodable,
    Unreadable,
    UnterminatedQuote,
)

DEFAULT_BLOCK_SIZE = 4 * 1024 * 1024
"""Bytes of CSV parsed at a time; also how much of the file type inference sees."""

_SCAN_CHUNK = 1024 * 1024
_NEWLINE = b"\n"
_BLANK = " \t\r\n\ufeff"
_CONVERSION_ERROR = re.compile(
    r"In CSV column #(?P<index>\d+): CSV conversion error to \S+: invalid value '(?P<value>.*)'$",
    re.DOTALL,
)
_EXCERPT = 60


@dataclass(frozen=True)
class IngestResult:
    """Shape of the dataset written."""

    row_count: int
    column_count: int
    columns: tuple[ColumnSchema, ...]


@dataclass(frozen=True)
class _Widening:
    """A column whose inferred type failed on a later block, and the type to try next."""

    column: str
    type: pa.DataType


def ingest_csv(
    source: Path, destination: Path, *, max_rows: int | None, block_size: int = DEFAULT_BLOCK_SIZE
) -> IngestResult:
    """Convert the UTF-8 (optionally BOM-prefixed) CSV `source` into the Parquet `destination`.

    Blank header names become `column_<position>` and repeated ones get a `_2`, `_3`... suffix.
    Raises an `IngestionError` when `source` is not a CSV this service can read, or has more
    than `max_rows` rows; `destination` is removed then.
    """
    try:
        _check_text(source)
        try:
            result = _convert(source, destination, max_rows, block_size)
        except pa.ArrowInvalid as exc:
            raise _parse_failure(source, exc, block_size) from None
        _check_quotes_closed(source)
        return result
    except BaseException:
        destination.unlink(missing_ok=True)
        raise


def _check_text(source: Path) -> None:
    """Reject anything but non-blank UTF-8 text, naming the first offending line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    has_content = False
    with source.open("rb") as raw:
        while chunk := raw.read(_SCAN_CHUNK):
            nul = chunk.find(b"\0")
            if nul >= 0:
                at = line + chunk.count(_NEWLINE, 0, nul)
                raise NotText(
                    f"the file contains a NUL byte (line {at}), so it is binary or UTF-16 text, "
                    "not a UTF-8 CSV"
                )
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                at = line + exc.object[: exc.start].count(_NEWLINE)
                raise Undecodable(
                    f"line {at} is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x}); "
                    "save the file as UTF-8 and upload it again"
                ) from None
            has_content = has_content or bool(text.strip(_BLANK))
            line += chunk.count(_NEWLINE)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise Undecodable(
            f"the file ends in the middle of a UTF-8 character (line {line})"
        ) from None
    if not has_content:
        raise EmptyFile("the file is empty")


def _check_quotes_closed(source: Path) -> None:
    """Reject a quote left open at the end of the file, which pyarrow takes for a long value."""
    quotes = 0
    with source.open("rb") as raw:
        while chunk := raw.read(_SCAN_CHUNK):
            quotes += chunk.count(b'"')
    if quotes % 2 == 0:
        return  # every closed quote has a partner, so an even count rules an open one out
    with source.open(encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text, strict=True)
        start = 1
        try:
            for _ in reader:
                start = reader.line_num + 1
        except csv.Error as exc:
            # Strict mode also rejects text after a closing quote, which is not this problem.
            if "unexpected end of data" in str(exc):
                raise _unterminated(start) from None


def _convert(
    source: Path, destination: Path, max_rows: int | None, block_size: int
) -> IngestResult:
    """Infer types from the first block, then convert, widening types until a pass succeeds."""
    with pacsv.open_csv(
        source,
        read_options=pacsv.ReadOptions(block_size=block_size),
        parse_options=_parse_options(),
        convert_options=_convert_options({}),
    ) as first:
        inferred = first.schema
    names = _unique_names(inferred.names)
    # Fixed from here on, so every pass reads the same types but the ones widened.
    types: dict[str, pa.DataType] = {
        name: pa.string() if pa.types.is_null(field.type) else field.type
        for name, field in zip(names, inferred, strict=True)
    }
    while True:
        outcome = _write_parquet(source, destination, names, types, max_rows, block_size)
        if isinstance(outcome, IngestResult):
            return outcome
        types[outcome.column] = outcome.type


def _write_parquet(
    source: Path,
    destination: Path,
    names: list[str],
    types: dict[str, pa.DataType],
    max_rows: int | None,
    block_size: int,
) -> IngestResult | _Widening:
    """One streaming pass; a `_Widening` when a column's type turned out too narrow."""
    read_options = pacsv.ReadOptions(
        block_size=block_size, column_names=names, skip_rows_after_names=1
    )
    rows = 0
    with (
        pacsv.open_csv(
            source,
            read_options=read_options,
            parse_options=_parse_options(),
            convert_options=_convert_options(types),
        ) as reader,
        pq.ParquetWriter(destination, reader.schema, compression="zstd") as writer,
    ):
        schema = reader.schema
        try:
            for batch in reader:
                rows += batch.num_rows
                if max_rows is not None and rows > max_rows:
                    raise TooLarge(f"the file has more rows than the limit of {max_rows:,}")
                writer.write_batch(batch)
        except pa.ArrowInvalid as exc:
            widening = _widening(exc, schema)
            if widening is None:
                raise
            return widening
    if rows == 0:
        raise HeaderOnly("the file has a header row but no data rows")
    columns = tuple(ColumnSchema(name=field.name, dtype=str(field.type)) for field in schema)
    return IngestResult(row_count=rows, column_count=len(columns), columns=columns)


def _parse_options() -> pacsv.ParseOptions:
    return pacsv.ParseOptions(newlines_in_values=True)


def _convert_options(types: dict[str, pa.DataType]) -> pacsv.ConvertOptions:
    return pacsv.ConvertOptions(column_types=types, null_values=[""], strings_can_be_null=True)


def _unique_names(raw: list[str]) -> list[str]:
    taken: set[str] = set()
    names = []
    for position, name in enumerate(raw, start=1):
        base = name if name.strip() else f"column_{position}"
        unique, suffix = base, 1
        while unique in taken:
            suffix += 1
            unique = f"{base}_{suffix}"
        taken.add(unique)
        names.append(unique)
    return names


def _widening(exc: pa.ArrowInvalid, schema: pa.Schema) -> _Widening | None:
    match = _CONVERSION_ERROR.match(str(exc))
    if match is None:
        return None
    field = schema.field(int(match["index"]))
    if pa.types.is_string(field.type):
        return None
    if pa.types.is_integer(field.type) and _is_number(match["value"]):
        return _Widening(field.name, pa.float64())
    return _Widening(field.name, pa.string())


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def _parse_failure(source: Path, exc: pa.ArrowInvalid, block_size: int) -> IngestionError:
    """The clearest error for a CSV pyarrow refused: the bad row by line when it can be found."""
    located = _locate_bad_row(source)
    if located is not None:
        return located
    message = str(exc).removeprefix("CSV parse error: ")
    if message.startswith("straddling object"):
        return Unreadable(f"a row is longer than {block_size:,} bytes, the most accepted")
    first_line = message.splitlines()[0] if message else "unknown error"
    return Unreadable(f"the file is not a readable CSV: {_excerpt(first_line)}")


def _locate_bad_row(source: Path) -> IngestionError | None:
    """Find the first row whose length differs from the header's, named by its starting line."""
    with source.open(encoding="utf-8-sig", newline="") as text:
        reader = csv.reader(text)
        expected: int | None = None
        start = 1
        try:
            for row in reader:
                if row and expected is None:
                    expected = len(row)
                elif row and len(row) != expected:
                    # An unclosed quote swallows every line after it into one last, short row.
                    if next(reader, None) is None and _opens_quote(source, start):
                        return _unterminated(start)
                    return Unreadable(
                        f"the row on line {start} has {len(row)} values but the header has "
                        f"{expected}"
                    )
                start = reader.line_num + 1
        except csv.Error:
            # The lenient reader only stops at a value over its size limit: an unclosed quote.
            return _unterminated(start)
    return None


def _unterminated(line: int) -> UnterminatedQuote:
    return UnterminatedQuote(f"the quoted value that starts on line {line} is never closed")


def _opens_quote(source: Path, start: int) -> bool:
    """Whether the text from line `start` to the end has an unmatched double quote."""
    with source.open(encoding="utf-8-sig", newline="") as text:
        return sum(line.count('"') for line in itertools.islice(text, start - 1, None)) % 2 == 1


def _excerpt(text: str) -> str:
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."
