"""What the scope rule needs to know of ids named in bodies: each client card's home branch,
the organisation's branches and its staff with their grants (all kept from events).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("client_cards") as table:
        table.add_column(sa.Column("branch_id", sa.Uuid(), nullable=True))
    op.create_table(
        "branches",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
    )
    op.create_index("ix_branches_tenant_id", "branches", ["tenant_id"])
    op.create_table(
        "staff_members",
        sa.Column("user_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_staff_members_tenant_id", "staff_members", ["tenant_id"])
    op.create_table(
        "staff_grants",
        sa.Column(
            "user_id",
            sa.Uuid(),
            sa.ForeignKey("staff_members.user_id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("scope", sa.String(8), primary_key=True),
        sa.Column("scope_id", sa.Uuid(), primary_key=True),
    )
    op.create_index("ix_staff_grants_scope", "staff_grants", ["scope_id"])


def downgrade() -> None:
    op.drop_table("staff_grants")
    op.drop_table("staff_members")
    op.drop_table("branches")
    with op.batch_alter_table("client_cards") as table:
        table.drop_column("branch_id")
