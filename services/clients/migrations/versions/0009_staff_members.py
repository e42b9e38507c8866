"""The organisation's staff as identity's access events tell them (a task's assignee must be
one the caller sees).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_platform.db import UtcDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "staff_members",
        sa.Column("user_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("organisation_wide", sa.Boolean(), nullable=False),
        sa.Column("branch_ids", sa.JSON(), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("as_of", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_staff_members_tenant_id", "staff_members", ["tenant_id"])


def downgrade() -> None:
    op.drop_table("staff_members")
