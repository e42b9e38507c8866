"""The organisation's branches, kept from identity's events, so a branch named in a body (a
pack sold for a branch) is checked against the caller's organisation. Filled at first with
the branches billing already knows from its clients and groups.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    branches = op.create_table(
        "branches",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
    )
    op.create_index("ix_branches_tenant_id", "branches", ["tenant_id"])
    known: dict[uuid.UUID, uuid.UUID] = {}
    connection = op.get_bind()
    for table in ("clients", "groups"):
        rows = connection.execute(
            sa.text(
                f"SELECT DISTINCT branch_id, tenant_id FROM {table} WHERE branch_id IS NOT NULL"
            )
        )
        for branch_id, tenant_id in rows:
            known.setdefault(uuid.UUID(str(branch_id)), uuid.UUID(str(tenant_id)))
    if known:
        op.bulk_insert(branches, [{"id": b, "tenant_id": t} for b, t in known.items()])


def downgrade() -> None:
    op.drop_table("branches")
