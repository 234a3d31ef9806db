"""Profiling a transformation's new version before it is committed."""

from __future__ import annotations

import pyarrow.parquet as pq

from modulardata.contracts.commands import ProfileVersion
from modulardata.contracts.events import DatasetProfiled
from modulardata.profiling.profile import generate_profile
from modulardata.profiling.profiles import load_profile, profiled, store_profile
from modulardata.storage import ObjectStorage
from modulardata.storage.layout import profile_key


def profile_version(storage: ObjectStorage, version: ProfileVersion) -> DatasetProfiled:
    """The version's profile, made and stored unless it already is (then it is only read)."""
    key = profile_key(version.session_id, version.node_id)
    uri = storage.uri_for(key)
    if storage.exists(uri):
        profile = load_profile(storage, uri)
    else:
        with storage.local_copy(version.storage_uri) as parquet:
            table = pq.read_table(parquet)
        profile = generate_profile(table)
        store_profile(storage, key, profile)
    return profiled(version.session_id, version.node_id, uri, profile)
