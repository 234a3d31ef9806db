"""Settings of the migrations (prefix MODULARDATA_SCHEMA_; the plain DATABASE_URL works)."""

from __future__ import annotations

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class SchemaSettings(BaseSettings):
    """Which database `modulardata-migrate` and alembic's command line upgrade."""

    model_config = SettingsConfigDict(populate_by_name=True, extra="ignore")

    database_url: str = Field(
        default="postgresql://postgres@127.0.0.1:15432/modulardata",
        validation_alias=AliasChoices("MODULARDATA_SCHEMA_DATABASE_URL", "DATABASE_URL"),
        description="PostgreSQL URL of the database every service shares.",
    )
