"""Invoices keep the period they charge for as dates (period_from, period_until), so a page
shows it in its own language; a pack's invoice is described by the pack's name alone.

Existing invoices of a pack whose description is the one billing wrote ("<pack name>:
<from> to <until>" or "<pack name>: from <from>") get the dates from it and the pack's name
as their description; every other invoice keeps its description and no period.

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
    with op.batch_alter_table("invoices") as table:
        table.add_column(sa.Column("period_from", sa.Date(), nullable=True))
        table.add_column(sa.Column("period_until", sa.Date(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT invoices.id, invoices.description, packs.name FROM invoices "
            "JOIN packs ON packs.id = invoices.pack_id "
            "WHERE invoices.description LIKE '%: % to %' OR invoices.description LIKE '%: from %'"
        )
    )
    updates = []
    for invoice_id, description, name in rows:
        prefix = f"{name}: "
        if not description.startswith(prefix):
            continue
        written = WRITTEN.fullmatch(description[len(prefix) :])
        if written is None:
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
                "UPDATE invoices SET description = :name, period_from = :period_from, "
                "period_until = :period_until WHERE id = :id"
            ),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("invoices") as table:
        table.drop_column("period_until")
        table.drop_column("period_from")
