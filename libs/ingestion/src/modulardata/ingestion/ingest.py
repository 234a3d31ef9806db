"""Any supported upload read into a table, with a report of how it was read.

CSV and TSV are parsed in streaming blocks (see `csvfile`); workbooks, Parquet and JSON are
read whole, within the dataset limits. Text is UTF-8 or transcoded to it first (see
`textfile`); gzip is decompressed first. Limits are checked before and while reading (see
`uploadlimits`), so an oversized file is refused before it is held in memory, and the table
read is checked against every limit at the end.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from modulardata.contracts.limits import DatasetLimits
from modulardata.contracts.profile import RenamedColumn, SourceFormat, SourceReport
from modulardata.ingestion.csvfile import DEFAULT_BLOCK_SIZE, read_csv
from modulardata.ingestion.dialect import sniff_dialect
from modulardata.ingestion.exceptions import InvalidUtf8, NotText
from modulardata.ingestion.formats import detect_format, read_head
from modulardata.ingestion.records import read_json, read_json_lines, read_parquet, read_xlsx
from modulardata.ingestion.textfile import TextFile, is_utf8, open_text, scan_text, transcode_legacy
from modulardata.ingestion.uploadlimits import GZIP_MAGIC, check_archive, gunzip


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
    limits: DatasetLimits,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> Ingested:
    """Read the upload `source` (named `filename` by the client); `workdir` holds transcodings.

    Raises an `IngestionError` naming the problem when the upload cannot become a dataset, and
    `LimitExceeded` when it is over a limit.
    """
    size = source.stat().st_size
    limits.check("upload_bytes", size, f"the file has {size:,} bytes")
    head = read_head(source)
    if head.startswith(GZIP_MAGIC):
        gunzipped = workdir / "gunzipped"
        gunzip(source, gunzipped, limits)
        source, filename = gunzipped, filename.removesuffix(".gz")
        head = read_head(source)
    ingested = _read(source, head, filename, workdir, limits, block_size)
    _check_table(ingested.table, limits)
    return ingested


def _read(
    source: Path,
    head: bytes,
    filename: str,
    workdir: Path,
    limits: DatasetLimits,
    block_size: int,
) -> Ingested:
    format_ = detect_format(source, head, filename)
    if format_ in ("xlsx", "parquet"):
        return _read_binary(source, format_, limits)
    text = open_text(source, head, workdir)
    try:
        if not is_utf8(head) and text.encoding == "utf-8":
            raise InvalidUtf8("the start of the file is not UTF-8")
        return _read_text(text, format_, limits, block_size)
    except InvalidUtf8:
        return _read_text(transcode_legacy(text, workdir), format_, limits, block_size)


def _read_binary(source: Path, format_: SourceFormat, limits: DatasetLimits) -> Ingested:
    if format_ == "xlsx":
        try:
            with source.open("rb") as archive:
                check_archive(archive, limits)
        except zipfile.BadZipFile as exc:
            raise NotText(f"the workbook is damaged: {exc}") from None
        table, sheet, header, renamed = read_xlsx(source)
        return Ingested(table, _report(format_, renamed, sheet=sheet, header=header))
    table, renamed = read_parquet(source)
    return Ingested(table, _report(format_, renamed))


def _read_text(
    text: TextFile, format_: SourceFormat, limits: DatasetLimits, block_size: int
) -> Ingested:
    scan = scan_text(text)
    encoding = {"encoding": text.encoding, "encoding_guessed": text.guessed}
    if format_ != "csv":
        table, renamed = (read_json if format_ == "json" else read_json_lines)(text.path)
        return Ingested(table, _report(format_, renamed, **encoding))
    dialect = sniff_dialect(text.path)
    columns = len(dialect.names)
    limits.check("columns", columns, f"the header has {columns:,} columns")
    read = read_csv(
        text.path,
        dialect,
        limits=limits,
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


def _check_table(table: pa.Table, limits: DatasetLimits) -> None:
    limits.check("rows", table.num_rows, f"the file has {table.num_rows:,} rows")
    limits.check("columns", table.num_columns, f"the file has {table.num_columns:,} columns")
    for name, column in zip(table.column_names, table.columns, strict=True):
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            longest = pc.max(pc.binary_length(column)).as_py() or 0
            limits.check("cell_bytes", longest, f"a value of column '{name}' has {longest:,} bytes")
