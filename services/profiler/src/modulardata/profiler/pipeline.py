"""An upload read, then profiled while its canonical Parquet file is written.

Profiling and Parquet encoding both spend their time in Arrow and NumPy with the GIL released,
so on two cores they run side by side.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from modulardata.contracts.limits import DatasetLimits
from modulardata.contracts.profile import Profile
from modulardata.ingestion.ingest import Ingested, read_upload
from modulardata.profiling.profile import generate_profile
from modulardata.storage.versionfile import write_version


def convert_upload(
    source: Path, destination: Path, *, filename: str, workdir: Path, limits: DatasetLimits
) -> tuple[Ingested, Profile]:
    """Read `source`, write it as the Parquet file `destination`, and profile it."""
    ingested = read_upload(source, filename=filename, workdir=workdir, limits=limits)
    with ThreadPoolExecutor(1, thread_name_prefix="parquet") as writer:
        written = writer.submit(write_version, ingested.table, destination)
        profile = generate_profile(ingested.table, source=ingested.source)
        written.result()
    return ingested, profile
