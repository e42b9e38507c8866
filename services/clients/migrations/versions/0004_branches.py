"""The organisation's branches, kept from identity's events, so a branch named in a body is
checked against the caller's organisation.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "branches",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
    )
    op.create_index("ix_branches_tenant_id", "branches", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("branches")
