"""Reading the first rows of a stored version: enough to see its columns and dry-run code."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from modulardata.storage import ObjectStorage


def read_head_rows(storage: ObjectStorage, uri: str, rows: int) -> pd.DataFrame:
    """The first `rows` rows of a Parquet version, without reading the rest of the file."""
    with storage.local_copy(uri) as path:
        parquet = pq.ParquetFile(path)
        batch = next(parquet.iter_batches(batch_size=rows), None)
        table = pa.Table.from_batches([batch]) if batch else parquet.schema_arrow.empty_table()
    return table.to_pandas()
