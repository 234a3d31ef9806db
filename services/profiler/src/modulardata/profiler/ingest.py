"""Any supported upload read into a table, with a report of how it was read.

CSV and TSV are parsed in streaming blocks (see `csvfile`); workbooks, Parquet and JSON are
read whole, within the row and byte limits. Text is UTF-8 or transcoded to it first (see
`textfile`). Limits are checked before and while reading, so an oversized file is refused
before it is held in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from modulardata.contracts.profile import RenamedColumn, SourceFormat, SourceReport
from modulardata.profiler.csvfile import DEFAULT_BLOCK_SIZE, read_csv
from modulardata.profiler.dialect import sniff_dialect
from modulardata.profiler.exceptions import InvalidUtf8, TooLarge
from modulardata.profiler.formats import detect_format, read_head
from modulardata.profiler.records import read_json, read_json_lines, read_parquet, read_xlsx
from modulardata.profiler.textfile import TextFile, is_utf8, open_text, scan_text, transcode_legacy


@dataclass(frozen=True)
class IngestLimits:
    """The most an upload may hold."""

    max_rows: int | None = None
    max_bytes: int | None = None


@dataclass(frozen=True)
class Ingested:
    """The upload's data and how it was read."""

    table: pa.Table
    source: SourceReport


def read_upload(
    source: Path,
    *,
    filename: str,
    workdir: Path,
    limits: IngestLimits,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> Ingested:
    """Read the upload `source` (named `filename` by the client); `workdir` holds transcodings.

    Raises an `IngestionError` naming the problem when the upload cannot become a dataset.
    """
    size = source.stat().st_size
    if limits.max_bytes is not None and size > limits.max_bytes:
        raise TooLarge(f"the file has {size:,} bytes, more than the limit of {limits.max_bytes:,}")
    head = read_head(source)
    format_ = detect_format(source, head, filename)
    if format_ in ("xlsx", "parquet"):
        ingested = _read_binary(source, format_)
        _check_rows(ingested.table, limits)
        return ingested
    text = open_text(source, head, workdir)
    try:
        if not is_utf8(head) and text.encoding == "utf-8":
            raise InvalidUtf8("the start of the file is not UTF-8")
        return _read_text(text, format_, limits, block_size)
    except InvalidUtf8:
        return _read_text(transcode_legacy(text, workdir), format_, limits, block_size)


def _read_binary(source: Path, format_: SourceFormat) -> Ingested:
    if format_ == "xlsx":
        table, sheet, header, renamed = read_xlsx(source)
        return Ingested(table, _report(format_, renamed, sheet=sheet, header=header))
    table, renamed = read_parquet(source)
    return Ingested(table, _report(format_, renamed))


def _read_text(
    text: TextFile, format_: SourceFormat, limits: IngestLimits, block_size: int
) -> Ingested:
    scan = scan_text(text)
    encoding = {"encoding": text.encoding, "encoding_guessed": text.guessed}
    if format_ != "csv":
        table, renamed = (read_json if format_ == "json" else read_json_lines)(text.path)
        _check_rows(table, limits)
        return Ingested(table, _report(format_, renamed, **encoding))
    dialect = sniff_dialect(text.path)
    read = read_csv(
        text.path,
        dialect,
        max_rows=limits.max_rows,
        odd_quotes=scan.odd_quotes,
        block_size=block_size,
    )
    renamed = [column for column in dialect.renamed if column.name not in read.dropped]
    report = _report(
        format_,
        renamed,
        delimiter=dialect.delimiter,
        header=dialect.header,
        dropped_columns=read.dropped,
        quarantined_count=read.quarantined_count,
        quarantined_rows=read.quarantined,
        **encoding,
    )
    return Ingested(read.table, report)


def _report(format_: SourceFormat, renamed: list[RenamedColumn], **details: object) -> SourceReport:
    return SourceReport.model_validate({"format": format_, "renamed_columns": renamed, **details})


def _check_rows(table: pa.Table, limits: IngestLimits) -> None:
    if limits.max_rows is not None and table.num_rows > limits.max_rows:
        raise TooLarge(f"the file has more rows than the limit of {limits.max_rows:,}")
