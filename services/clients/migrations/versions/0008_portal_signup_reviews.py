"""Portal sign-ups that match several cards, waiting for staff to link the right one.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_platform.db import UtcDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "portal_signup_reviews",
        sa.Column("account_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("login", sa.String(320), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
    )
    op.create_index(
        "ix_portal_signup_reviews_tenant_id_status",
        "portal_signup_reviews",
        ["tenant_id", "status"],
    )


def downgrade() -> None:
    op.drop_table("portal_signup_reviews")
