"""What changed between two versions of a dataset, as the diff endpoint answers it."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from modulardata.gateway.application.diffing import TableDiff
from modulardata.gateway.schemas.examples import NODE_ID, ROOT_ID, shown


class RetypedColumnView(BaseModel):
    """A column whose Arrow type changed between the versions."""

    model_config = ConfigDict(populate_by_name=True)

    name: str = Field(description="Column name.")
    from_type: str = Field(alias="from", description="Arrow type in the first version.")
    to_type: str = Field(alias="to", description="Arrow type in the second version.")


@shown(
    {
        "from_node_id": ROOT_ID,
        "to_node_id": NODE_ID,
        "rows_before": 21,
        "rows_after": 18,
        "rows_added": 0,
        "rows_removed": 3,
        "rows_changed": 0,
        "columns_added": [],
        "columns_removed": [],
        "columns_retyped": [],
        "cells_changed": {},
    }
)
class NodeDiff(BaseModel):
    """What changed from one version to another.

    Rows equal on the shared columns are unchanged (as a multiset: reordering changes nothing);
    the others are paired by an id-like key column, else by position when both sides have as
    many left; a pair is a changed row, the rest were added or removed. A renamed column is a
    column removed and one added.
    """

    from_node_id: UUID = Field(description="The earlier version.")
    to_node_id: UUID = Field(description="The later version.")
    rows_before: int = Field(description="Rows in the earlier version.")
    rows_after: int = Field(description="Rows in the later version.")
    rows_added: int = Field(description="Rows only in the later version.")
    rows_removed: int = Field(description="Rows only in the earlier version.")
    rows_changed: int = Field(description="Rows in both whose shared cells differ.")
    columns_added: list[str] = Field(description="Columns only in the later version.")
    columns_removed: list[str] = Field(description="Columns only in the earlier version.")
    columns_retyped: list[RetypedColumnView] = Field(description="Shared columns of a new type.")
    cells_changed: dict[str, int] = Field(
        description="Per shared column with changes, how many cells of changed rows differ; "
        "equal values of a new type (1 and 1.0) are no change."
    )

    @classmethod
    def of(cls, from_node_id: UUID, to_node_id: UUID, diff: TableDiff) -> NodeDiff:
        """The response for `diff` between the two versions."""
        return cls(
            from_node_id=from_node_id,
            to_node_id=to_node_id,
            rows_before=diff.rows_before,
            rows_after=diff.rows_after,
            rows_added=diff.rows_added,
            rows_removed=diff.rows_removed,
            rows_changed=diff.rows_changed,
            columns_added=diff.columns_added,
            columns_removed=diff.columns_removed,
            columns_retyped=[
                RetypedColumnView(name=column.name, from_type=column.before, to_type=column.after)
                for column in diff.columns_retyped
            ],
            cells_changed=diff.cells_changed,
        )
