"""The organisation's branches, kept from identity's events, so a knowledge material published
for a branch names one of the caller's organisation that the caller sees. Filled at first with
the branches the portal already knows from its groups and client cards.

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
        "rm_branches",
        sa.Column("branch_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
    )
    op.create_index("ix_rm_branches_tenant_id", "rm_branches", ["tenant_id"])
    known: dict[uuid.UUID, uuid.UUID] = {}
    connection = op.get_bind()
    for table in ("rm_groups", "rm_clients"):
        rows = connection.execute(
            sa.text(
                f"SELECT DISTINCT branch_id, tenant_id FROM {table} WHERE branch_id IS NOT NULL"
            )
        )
        for branch_id, tenant_id in rows:
            known.setdefault(uuid.UUID(str(branch_id)), uuid.UUID(str(tenant_id)))
    if known:
        op.bulk_insert(branches, [{"branch_id": b, "tenant_id": t} for b, t in known.items()])


def downgrade() -> None:
    op.drop_table("rm_branches")
