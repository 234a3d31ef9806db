"""Commands: imperative requests, each handled by exactly one service."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from modulardata.contracts.base import Message, register


@register
class CreateSession(Message):
    """Open a new cleaning session owned by one API key (handled by versioning)."""

    TYPE = "CreateSession"

    session_id: UUID = Field(description="Id chosen by the gateway for the new session.")
    owner: str = Field(description="Id of the API key that owns the session.")
    name: str | None = Field(default=None, max_length=200, description="Optional display name.")


@register
class IngestDataset(Message):
    """Read an uploaded file into the session's first dataset version (handled by profiler)."""

    TYPE = "IngestDataset"

    session_id: UUID = Field(description="Session the dataset belongs to.")
    upload_uri: str = Field(description="Storage URI of the raw uploaded bytes.")
    filename: str = Field(description="File name the client gave.")
    byte_size: int = Field(ge=0, description="Size of the raw upload in bytes.")
    content_hash: str = Field(description="sha256 hex digest of the raw upload.")
