"""Profiles in storage: JSON next to the version they describe."""

from __future__ import annotations

from uuid import UUID

from modulardata.contracts.events import DatasetProfiled
from modulardata.contracts.profile import Profile
from modulardata.storage import ObjectStorage


def store_profile(storage: ObjectStorage, key: str, profile: Profile) -> str:
    """Write the profile as JSON; returns its URI."""
    with storage.writer(key) as sink:
        sink.write(profile.model_dump_json().encode())
    return storage.uri_for(key)


def load_profile(storage: ObjectStorage, uri: str) -> Profile:
    """Read a stored profile."""
    with storage.open(uri) as source:
        return Profile.model_validate_json(source.read())


def profiled(session_id: UUID, node_id: UUID, uri: str, profile: Profile) -> DatasetProfiled:
    """The event announcing a stored profile."""
    return DatasetProfiled(
        session_id=session_id,
        node_id=node_id,
        profile_uri=uri,
        row_count=profile.row_count,
        column_count=profile.column_count,
        finding_count=len(profile.findings),
    )
