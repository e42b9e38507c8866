"""Re-announcing identity's current state: each staff user's access keeps the time of its
last event (a re-announce carries it, so it never wins over a newer change), and a pending
announcement of every organisation's staff access and branches, run by identity at startup.
It fills the read models added after those events were first published: clients' staff
(clients 0009) and branches (0004), the journal's staff and branches (0005) and staff names
(0008), notifications' staff access (0006), billing's (0010) and the portal's (0010) branches.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from crm_platform.db import UtcDateTime

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("staff_users") as table:
        table.add_column(sa.Column("access_as_of", TZ, nullable=True))
    # Newer than every access event published before this upgrade, so consumers take the
    # re-announced state over what they hold (the same, or a column added since, such as
    # the journal's staff names); a change made after it is stamped later still.
    staff_users = sa.table("staff_users", sa.column("access_as_of", UtcDateTime()))
    op.execute(sa.update(staff_users).values(access_as_of=datetime.now(UTC)))
    announcements = op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=True),
        sa.Column("reason", sa.String(500), nullable=False),
        sa.Column("done_at", TZ, nullable=True),
    )
    op.bulk_insert(
        announcements,
        [{"tenant_id": None, "reason": "read models of staff and branches added since 0005"}],
    )


def downgrade() -> None:
    op.drop_table("announcements")
    with op.batch_alter_table("staff_users") as table:
        table.drop_column("access_as_of")
