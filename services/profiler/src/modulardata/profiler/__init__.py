"""The profiler service: turns uploads into canonical Parquet dataset versions."""
