"""Small value objects carried inside messages."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from modulardata.contracts.text import ColumnName, Label


class ColumnSchema(BaseModel):
    """One column of a stored dataset version."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ColumnName = Field(description="Column name as stored.")
    dtype: Label = Field(description="Arrow type of the column, e.g. 'int64', 'string'.")


class RetypedColumn(BaseModel):
    """A column whose type changed between two versions."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ColumnName = Field(description="Column name.")
    before: Label = Field(description="Arrow type before.")
    after: Label = Field(description="Arrow type after.")


class ChangeSummary(BaseModel):
    """What a transformation did to a version's shape: rows and columns before and after."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    rows_before: int = Field(ge=0, description="Rows of the version transformed.")
    rows_after: int = Field(ge=0, description="Rows of the new version.")
    columns_added: tuple[ColumnName, ...] = Field(
        default=(), description="Columns only the new has."
    )
    columns_removed: tuple[ColumnName, ...] = Field(
        default=(), description="Columns only the old had."
    )
    columns_retyped: tuple[RetypedColumn, ...] = Field(
        default=(), description="Columns kept under a new type."
    )

    @classmethod
    def between(
        cls,
        before: tuple[ColumnSchema, ...],
        rows_before: int,
        after: tuple[ColumnSchema, ...],
        rows_after: int,
    ) -> ChangeSummary:
        """The summary of going from one version's shape to another's."""
        old = {c.name: c.dtype for c in before}
        new = {c.name: c.dtype for c in after}
        return cls(
            rows_before=rows_before,
            rows_after=rows_after,
            columns_added=tuple(n for n in new if n not in old),
            columns_removed=tuple(n for n in old if n not in new),
            columns_retyped=tuple(
                RetypedColumn(name=n, before=old[n], after=t)
                for n, t in new.items()
                if n in old and logical_type(old[n]) != logical_type(t)
            ),
        )

    def describe(self) -> str:
        """The summary in a few words, e.g. '21 -> 18 rows; added: full_name'."""
        parts = [f"{self.rows_before} -> {self.rows_after} rows"]
        if self.columns_added:
            parts.append("added: " + ", ".join(self.columns_added))
        if self.columns_removed:
            parts.append("removed: " + ", ".join(self.columns_removed))
        if self.columns_retyped:
            parts.append(
                "retyped: "
                + ", ".join(f"{c.name} ({c.before} -> {c.after})" for c in self.columns_retyped)
            )
        return "; ".join(parts)


def logical_type(dtype: str) -> str:
    """An Arrow type's name without its offset width: 'large_string' holds what 'string' does."""
    return dtype.replace("large_", "")
