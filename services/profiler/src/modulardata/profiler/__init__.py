"""The profiler service: uploads become canonical Parquet versions; every version a profile."""
