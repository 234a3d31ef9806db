"""`generate_profile`: a dataset's profile, the way the agents and a person first see it.

Columns are profiled in parallel (Arrow and NumPy release the GIL); value-level work runs on
the distinct values with their counts, so it costs little for repetitive columns, and on a row
sample for columns of mostly distinct values. Every row is hashed once for duplicates.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pyarrow as pa

from modulardata.contracts.profile import ColumnProfile, Profile, SourceReport
from modulardata.profiling.columnprofile import ColumnResult, profile_column
from modulardata.profiling.duplicates import RowHashes
from modulardata.profiling.findings import find_problems
from modulardata.profiling.tally import sample_positions

THREADS = 2
PARALLEL_ROWS = 50_000
"""Rows from which columns are profiled in parallel: below it, many short calls that release
the GIL make threads wait on each other more than they gain."""


def generate_profile(
    data: pd.DataFrame | pa.Table, *, source: SourceReport | None = None
) -> Profile:
    """Profile a table (or a DataFrame); `source` says how an upload was read, if it was one."""
    table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    sample = sample_positions(table.num_rows)
    names = [str(name) for name in table.column_names]

    def column(index: int) -> ColumnResult:
        return profile_column(names[index], table.column(index), sample)

    hashes = RowHashes(table.num_rows)
    columns: list[ColumnProfile] = []
    with ThreadPoolExecutor(THREADS if table.num_rows >= PARALLEL_ROWS else 1) as pool:
        for index, result in enumerate(pool.map(column, range(table.num_columns))):
            hashes.add(index, result.row_keys)
            columns.append(result.profile)
    duplicates, examples = hashes.duplicates(table)
    return Profile(
        row_count=table.num_rows,
        column_count=table.num_columns,
        duplicate_row_count=duplicates,
        duplicate_row_examples=examples,
        memory_bytes=table.nbytes,
        columns=columns,
        findings=find_problems(columns, table.num_rows, duplicates, examples, source),
        source=source,
    )
