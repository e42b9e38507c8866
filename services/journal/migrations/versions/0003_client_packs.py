"""The journal's copy of billing's packs, for the classes left a journal row shows; the
seat job's once-only guard for enrolments that reached their until-date.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "client_packs",
        sa.Column("pack_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("classes_left", sa.Integer(), nullable=True),
        sa.Column("state_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_client_packs_tenant_client", "client_packs", ["tenant_id", "client_id"])
    op.create_table(
        "pack_members",
        sa.Column("pack_id", sa.Uuid(), sa.ForeignKey("client_packs.pack_id"), primary_key=True),
        sa.Column("client_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
    )
    op.create_index("ix_pack_members_tenant_client", "pack_members", ["tenant_id", "client_id"])

    op.create_table(
        "seat_releases",
        sa.Column("enrolment_id", sa.Uuid(), sa.ForeignKey("enrolments.id"), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=False),
        sa.Column("offered", sa.Integer(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("seat_releases")
    op.drop_table("pack_members")
    op.drop_table("client_packs")
