"""Invoices keep the period they charge for as dates (period_from, period_until), as billing
now publishes them, and a pack's invoice is described by the pack's name alone.

The copies of invoices billing described with a period ("<pack name>: <from> to <until>" or
"<pack name>: from <from>") get the dates from it, as billing's own migration gives them; the
others keep their description and no period.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import re
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ISO = r"(\d{4}-\d{2}-\d{2})"
WRITTEN = re.compile(rf"(?:{ISO} to {ISO}|from {ISO})")


def upgrade() -> None:
    with op.batch_alter_table("rm_invoices") as table:
        table.add_column(sa.Column("period_from", sa.Date(), nullable=True))
        table.add_column(sa.Column("period_until", sa.Date(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT i.invoice_id, i.description, p.name FROM rm_invoices i "
            "JOIN rm_packs p ON p.pack_id = i.pack_id "
            "WHERE i.description LIKE '%: % to %' OR i.description LIKE '%: from %'"
        )
    )
    updates = []
    for invoice_id, description, name in rows:
        prefix = f"{name}: "
        written = WRITTEN.fullmatch(description[len(prefix) :])
        if not description.startswith(prefix) or written is None:
            continue
        start, until, open_start = written.groups()
        updates.append(
            {
                "id": invoice_id,
                "name": name,
                "period_from": date.fromisoformat(start or open_start),
                "period_until": date.fromisoformat(until) if until else None,
            }
        )
    if updates:
        connection.execute(
            sa.text(
                "UPDATE rm_invoices SET description = :name, period_from = :period_from, "
                "period_until = :period_until WHERE invoice_id = :id"
            ),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("rm_invoices") as table:
        table.drop_column("period_until")
        table.drop_column("period_from")
