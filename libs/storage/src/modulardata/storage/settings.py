"""Where a service keeps dataset files; the plain `STORAGE_URL` and `AWS_ENDPOINT_URL` work."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from modulardata.storage import open_storage
from modulardata.storage.base import ObjectStorage


class StorageSettings(BaseSettings):
    """The storage location: `file:///dir` (default `.run/storage`) or `s3://bucket/prefix`."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    storage_url: str = Field(
        default="file://.run/storage",
        validation_alias=AliasChoices("MODULARDATA_STORAGE_URL", "STORAGE_URL"),
        description="file:///absolute/dir, file://relative/dir or s3://bucket/prefix.",
    )
    aws_endpoint_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("AWS_ENDPOINT_URL"),
        description="S3 endpoint for non-AWS servers (MinIO, moto, ...).",
    )

    def open_storage(self) -> ObjectStorage:
        """The storage these settings describe."""
        return open_storage(self.storage_url, endpoint_url=self.aws_endpoint_url)
