"""The portal's read models (clients, billing, journal) and its event log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
TABLES = (
    "event_log",
    "rm_clients",
    "rm_comments",
    "rm_enrolments",
    "rm_groups",
    "rm_invoices",
    "rm_lessons",
    "rm_marks",
    "rm_organisations",
    "rm_pack_members",
    "rm_packs",
    "rm_payments",
    "rm_sources",
)


def upgrade() -> None:
    op.create_table(
        "event_log",
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("time", TZ, nullable=False),
        sa.Column("envelope", sa.Text(), nullable=False),
        sa.UniqueConstraint("event_id", name="uq_event_log_event_id"),
    )
    op.create_index("ix_event_log_tenant_id_time", "event_log", ["tenant_id", "time"])
    op.create_table(
        "rm_clients",
        sa.Column("client_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.String(200), nullable=True),
        sa.Column("last_name", sa.String(200), nullable=True),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("email_confirmed", sa.Boolean(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(16), nullable=True),
        sa.Column("status_at", TZ, nullable=True),
        sa.Column("card_at", TZ, nullable=True),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("family_at", TZ, nullable=True),
        sa.Column("balance_minor", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("balance_at", TZ, nullable=True),
    )
    op.create_index("ix_rm_clients_tenant_id_family_id", "rm_clients", ["tenant_id", "family_id"])
    op.create_index("ix_rm_clients_tenant_id_email", "rm_clients", ["tenant_id", "email"])
    op.create_index("ix_rm_clients_tenant_id_phone", "rm_clients", ["tenant_id", "phone"])
    op.create_table(
        "rm_comments",
        sa.Column("comment_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("visible", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_rm_comments_tenant_id_group_id", "rm_comments", ["tenant_id", "group_id"])
    op.create_table(
        "rm_enrolments",
        sa.Column("enrolment_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("until_date", sa.Date(), nullable=True),
        sa.Column("ended", sa.Boolean(), nullable=False),
    )
    op.create_index(
        "ix_rm_enrolments_tenant_id_client_id", "rm_enrolments", ["tenant_id", "client_id"]
    )
    op.create_table(
        "rm_groups",
        sa.Column("group_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("programme", sa.String(200), nullable=True),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("state_at", TZ, nullable=False),
    )
    op.create_table(
        "rm_invoices",
        sa.Column("invoice_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("pack_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.String(500), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("paid_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued_at", TZ, nullable=False),
        sa.Column("state_at", TZ, nullable=False),
    )
    op.create_index("ix_rm_invoices_tenant_id_client_id", "rm_invoices", ["tenant_id", "client_id"])
    op.create_table(
        "rm_lessons",
        sa.Column("lesson_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_date", sa.Date(), nullable=False),
        sa.Column("starts_at", sa.String(5), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("state_at", TZ, nullable=False),
    )
    op.create_index("ix_rm_lessons_group_id_lesson_date", "rm_lessons", ["group_id", "lesson_date"])
    op.create_table(
        "rm_marks",
        sa.Column("mark_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("lesson_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("makeup_of", sa.Uuid(), nullable=True),
        sa.Column("makeup_until", sa.Date(), nullable=True),
        sa.Column("removed", sa.Boolean(), nullable=False),
        sa.Column("state_at", TZ, nullable=False),
    )
    op.create_index("ix_rm_marks_tenant_id_client_id", "rm_marks", ["tenant_id", "client_id"])
    op.create_index("ix_rm_marks_makeup_of", "rm_marks", ["makeup_of"])
    op.create_table(
        "rm_organisations",
        sa.Column("tenant_id", sa.Uuid(), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
        sa.Column("state_at", TZ, nullable=False),
    )
    op.create_table(
        "rm_pack_members",
        sa.Column("pack_id", sa.Uuid(), primary_key=True),
        sa.Column("client_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
    )
    op.create_index(
        "ix_rm_pack_members_tenant_id_client_id", "rm_pack_members", ["tenant_id", "client_id"]
    )
    op.create_table(
        "rm_packs",
        sa.Column("pack_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("classes_total", sa.Integer(), nullable=True),
        sa.Column("classes_left", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("state_at", TZ, nullable=False),
    )
    op.create_index("ix_rm_packs_tenant_id_client_id", "rm_packs", ["tenant_id", "client_id"])
    op.create_table(
        "rm_payments",
        sa.Column("entry_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("amount_minor", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("method", sa.String(16), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("recorded", sa.Boolean(), nullable=False),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_rm_payments_tenant_id_client_id", "rm_payments", ["tenant_id", "client_id"])
    op.create_table(
        "rm_sources",
        sa.Column("tenant_id", sa.Uuid(), primary_key=True),
        sa.Column("source", sa.String(32), primary_key=True),
        sa.Column("last_event_at", TZ, nullable=False),
    )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
