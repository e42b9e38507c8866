"""Debt at the end of earlier months and families in billing's copy of clients.

- debt_snapshots / debt_snapshot_balances: a closed month's debt, taken once by the job
  (each client's balance at the month's end, with the home branch the client had then).
- ix_ledger_entries_late: a partial index of the entries booked more than a day before the
  (UTC) day they were written, the only ones that can land in a month after its snapshot;
  entries booked on the day they are written (every ordinary payment) never enter it.
- clients.family_at: the time of the newest clients event that set the family, so a late
  redelivery never puts back a relative who left; ix_clients_family finds a family's
  members.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LATE_PG = sa.text("booked_on < CAST(timezone('UTC', created_at) AS DATE) - 1")
LATE_SQLITE = sa.text("booked_on < date(created_at, '-1 day')")


def upgrade() -> None:
    op.create_table(
        "debt_snapshots",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("counted_until", TZ, nullable=False),
        sa.Column("taken_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "month", name="pk_debt_snapshots"),
    )
    op.create_table(
        "debt_snapshot_balances",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=True),
        sa.Column("balance_minor", BIG, nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "month", "client_id", name="pk_debt_snapshot_balances"
        ),
    )
    op.create_index(
        "ix_ledger_entries_late",
        "ledger_entries",
        ["tenant_id", "created_at"],
        postgresql_where=LATE_PG,
        sqlite_where=LATE_SQLITE,
    )
    op.add_column("clients", sa.Column("family_at", TZ, nullable=True))
    op.create_index("ix_clients_family", "clients", ["tenant_id", "family_id"])


def downgrade() -> None:
    op.drop_index("ix_clients_family", table_name="clients")
    op.drop_column("clients", "family_at")
    op.drop_index("ix_ledger_entries_late", table_name="ledger_entries")
    op.drop_table("debt_snapshot_balances")
    op.drop_table("debt_snapshots")
