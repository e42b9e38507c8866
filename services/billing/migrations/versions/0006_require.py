"""billing_require(ok, message): raises unique_violation with the message unless ok.

A payment batch written as one statement (ledger/payments.py) checks inside it that every
Idempotency-Key was free; when one was not, the whole statement is undone and the batch
goes the careful way.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
CREATE FUNCTION billing_require(ok boolean, message text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF NOT ok THEN
        RAISE EXCEPTION '%', message USING ERRCODE = 'unique_violation';
    END IF;
    RETURN true;
END $$
"""
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION billing_require(boolean, text)")
