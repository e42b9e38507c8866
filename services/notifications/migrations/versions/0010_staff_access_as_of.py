"""The staff's access keeps the time of the identity.access_changed it came from, so an older
state delivered late (or identity's re-announce of a state read before a change) never
replaces a newer one.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff") as table:
        table.add_column(sa.Column("access_as_of", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff") as table:
        table.drop_column("access_as_of")
