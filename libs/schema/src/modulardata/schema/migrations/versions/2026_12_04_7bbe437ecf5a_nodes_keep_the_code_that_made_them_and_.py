"""Nodes keep the code that made them and an upload's file name, as their events say.

Revision ID: 7bbe437ecf5a
Revises: c8037e73c0f1
Create Date: 2026-12-04 21:02:38.836786
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7bbe437ecf5a"
down_revision: str | Sequence[str] | None = "c8037e73c0f1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("nodes", sa.Column("code", sa.Text(), nullable=True))
    op.add_column("nodes", sa.Column("filename", sa.Text(), nullable=True))


def downgrade() -> None:
    op.drop_column("nodes", "filename")
    op.drop_column("nodes", "code")
