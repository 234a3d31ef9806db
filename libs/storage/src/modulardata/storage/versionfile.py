"""Writing a version's canonical Parquet file: one codec and row-group size for every writer."""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pyarrow as pa
import pyarrow.parquet as pq

COMPRESSION: Final = "lz4"
"""LZ4 over zstd: files about a third larger, written and read in half the CPU time."""
ROW_GROUP_ROWS = 256 * 1024
"""Rows per Parquet row group: each has a fixed cost, so few large ones are best."""


def write_version(table: pa.Table, destination: Path) -> None:
    """Write the table as the version's Parquet file; nothing is left behind on failure."""
    try:
        pq.write_table(table, destination, compression=COMPRESSION, row_group_size=ROW_GROUP_ROWS)
    except BaseException:
        destination.unlink(missing_ok=True)
        raise
