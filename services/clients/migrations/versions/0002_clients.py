"""Clients, tags, custom fields, families, leads, links, tasks, history and read models.

On PostgreSQL, name and phone search use trigram indexes (pg_trgm); SQLite (the embedded
mode) gets plain indexes and scans.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "organisations",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("plan", sa.String(32), nullable=False),
        sa.Column("time_zone", sa.String(64), nullable=False),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("search_name", sa.String(520), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("phone_digits", sa.String(20), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("email_confirmed", sa.Boolean(), nullable=False),
        sa.Column("email_token_hash", sa.LargeBinary(32), nullable=True),
        sa.Column("email_token_expires_at", TZ, nullable=True),
        sa.Column("birthday", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("branch_id", sa.Uuid(), nullable=True),
        sa.Column("lead_source", sa.String(100), nullable=True),
        sa.Column("custom_fields", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("frozen_from", sa.Date(), nullable=True),
        sa.Column("frozen_until", sa.Date(), nullable=True),
        sa.Column("freeze_reason", sa.String(500), nullable=True),
        sa.Column("archived_at", TZ, nullable=True),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("balance_minor", sa.BigInteger(), nullable=True),
        sa.Column("balance_currency", sa.String(3), nullable=True),
        sa.Column("balance_as_of", TZ, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_clients_tenant_id_id", "clients", ["tenant_id", "id"])
    op.create_index("ix_clients_tenant_id_status_id", "clients", ["tenant_id", "status", "id"])
    op.create_index("ix_clients_tenant_id_email", "clients", ["tenant_id", "email"])
    op.create_index("ix_clients_tenant_id_phone", "clients", ["tenant_id", "phone"])
    op.create_index("ix_clients_family_id", "clients", ["family_id"])
    op.create_index("ix_clients_email_token_hash", "clients", ["email_token_hash"])
    # Unfrozen by the upkeep when the period runs out.
    op.create_index(
        "ix_clients_frozen_until",
        "clients",
        ["frozen_until"],
        postgresql_where=sa.text("status = 'frozen'"),
        sqlite_where=sa.text("status = 'frozen'"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # A copy of the client's tag ids, so that tag and name filters meet in one bitmap.
        op.add_column("clients", sa.Column("tag_ids", postgresql.ARRAY(sa.Uuid()), nullable=True))
        op.execute("CREATE INDEX ix_clients_tag_ids ON clients USING gin (tag_ids)")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_clients_search_name_trgm ON clients "
            "USING gin (search_name gin_trgm_ops)"
        )
        op.execute(
            "CREATE INDEX ix_clients_phone_digits_trgm ON clients "
            "USING gin (phone_digits gin_trgm_ops)"
        )
    else:
        op.add_column("clients", sa.Column("tag_ids", sa.JSON(), nullable=True))
        op.create_index("ix_clients_search_name", "clients", ["search_name"])
        op.create_index("ix_clients_phone_digits", "clients", ["phone_digits"])

    op.create_table(
        "tags",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("name_key", sa.String(60), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("tenant_id", "name_key", name="uq_tags_name"),
    )
    op.create_table(
        "client_tags",
        sa.Column(
            "client_id",
            sa.Uuid(),
            sa.ForeignKey("clients.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "tag_id", sa.Uuid(), sa.ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True
        ),
    )
    op.create_index("ix_client_tags_tag_id_client_id", "client_tags", ["tag_id", "client_id"])
    op.create_table(
        "custom_fields",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(40), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.UniqueConstraint("tenant_id", "key", name="uq_custom_fields_key"),
    )
    op.create_table(
        "families",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("payer_client_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_families_tenant_id", "families", ["tenant_id"])
    op.create_table(
        "groups",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "memberships",
        sa.Column("enrolment_id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("until_date", sa.Date(), nullable=True),
    )
    op.create_index("ix_memberships_client_id", "memberships", ["client_id"])
    op.create_index("ix_memberships_tenant_id_group_id", "memberships", ["tenant_id", "group_id"])
    op.create_index("ix_memberships_tenant_id_branch_id", "memberships", ["tenant_id", "branch_id"])
    op.create_table(
        "leads",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("last_name", sa.String(100), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("source", sa.String(100), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("branch_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("lost_reason", sa.String(500), nullable=True),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_index("ix_leads_tenant_id_id", "leads", ["tenant_id", "id"])
    op.create_table(
        "personal_links",
        sa.Column("token_hash", sa.LargeBinary(32), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
    )
    op.create_index("ix_personal_links_client_id", "personal_links", ["client_id"])
    op.create_table(
        "messenger_bindings",
        sa.Column("tenant_id", sa.Uuid(), primary_key=True),
        sa.Column("channel", sa.String(16), primary_key=True),
        sa.Column("chat_id", sa.String(100), primary_key=True),
        sa.Column("client_id", sa.Uuid(), sa.ForeignKey("clients.id"), primary_key=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_messenger_bindings_client_id", "messenger_bindings", ["client_id"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("assignee_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_index("ix_tasks_client_id", "tasks", ["client_id"])
    op.create_index("ix_tasks_tenant_id_assignee_id", "tasks", ["tenant_id", "assignee_id"])
    op.create_table(
        "history",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("section", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("summary", sa.String(500), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=True),
        sa.Column("occurred_at", TZ, nullable=False),
    )
    op.create_index("ix_history_client_id_id", "history", ["client_id", "id"])


def downgrade() -> None:
    for table in (
        "history",
        "tasks",
        "messenger_bindings",
        "personal_links",
        "leads",
        "memberships",
        "groups",
        "families",
        "custom_fields",
        "client_tags",
        "tags",
        "clients",
        "organisations",
    ):
        op.drop_table(table)
