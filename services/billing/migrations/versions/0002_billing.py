"""Billing: catalogue, packs, the append-only ledger, payments, invoices, reminders.

The ledger tables (entries, postings, reversals, payment allocations) refuse UPDATE and
DELETE: a trigger on PostgreSQL and on SQLite, and on PostgreSQL the privileges are revoked
from PUBLIC and from the role that runs the migration (a superuser keeps them, the trigger
still refuses). On PostgreSQL a deferred constraint trigger checks at commit that every
entry has postings and that they sum to zero per unit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from crm_platform.idempotency import create_idempotency_table, drop_idempotency_table

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
APPEND_ONLY = ("ledger_entries", "ledger_postings", "entry_reversals", "payment_allocations")

PG_FUNCTIONS = """
CREATE FUNCTION billing_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the ledger is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE FUNCTION billing_check_entry(entry uuid) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM ledger_postings WHERE entry_id = entry) THEN
        RAISE EXCEPTION 'ledger entry % has no postings', entry
            USING ERRCODE = 'check_violation';
    END IF;
    IF EXISTS (
        SELECT 1 FROM ledger_postings WHERE entry_id = entry
        GROUP BY unit HAVING sum(amount) <> 0
    ) THEN
        RAISE EXCEPTION 'ledger entry % does not sum to zero', entry
            USING ERRCODE = 'check_violation';
    END IF;
END $$;

CREATE FUNCTION billing_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM billing_check_entry(NEW.id);
    RETURN NULL;
END $$;

CREATE FUNCTION billing_posting_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM billing_check_entry(NEW.entry_id);
    RETURN NULL;
END $$;
"""


def _postgres_rules() -> None:
    for statement in PG_FUNCTIONS.split("\n\n"):
        if statement.strip():
            op.execute(statement)
    for table in APPEND_ONLY:
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION billing_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION billing_append_only()"
        )
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC, CURRENT_USER")
    for table, function in (
        ("ledger_entries", "billing_entry_balanced"),
        ("ledger_postings", "billing_posting_balanced"),
    ):
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_balanced AFTER INSERT ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {function}()"
        )


def _sqlite_rules() -> None:
    for table in APPEND_ONLY:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: {action} on {table} "
                "is refused'); END"
            )


def upgrade() -> None:
    create_idempotency_table()
    op.create_table(
        "client_balances",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("balance_minor", BIG, nullable=False),
        sa.PrimaryKeyConstraint("tenant_id", "client_id", name="pk_client_balances"),
    )
    op.create_table(
        "clients",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("first_name", sa.String(length=200), nullable=False),
        sa.Column("last_name", sa.String(length=200), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=True),
        sa.Column("family_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("frozen_from", sa.Date(), nullable=True),
        sa.Column("frozen_until", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clients")),
    )
    op.create_index(op.f("ix_clients_tenant_id"), "clients", ["tenant_id"], unique=False)
    op.create_table(
        "due_items",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("pack_id", sa.Uuid(), nullable=True),
        sa.Column("invoice_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("soon_from", sa.Date(), nullable=False),
        sa.Column("amount_minor", BIG, nullable=False),
        sa.Column("settled_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_due_items")),
    )
    op.create_index("ix_due_items_open", "due_items", ["due_on", "settled_at"], unique=False)
    op.create_table(
        "groups",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=False),
        sa.Column("programme", sa.String(length=200), nullable=True),
        sa.Column("teacher_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_groups")),
    )
    op.create_index(op.f("ix_groups_tenant_id"), "groups", ["tenant_id"], unique=False)
    op.create_table(
        "invoices",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("pack_id", sa.Uuid(), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("amount_minor", BIG, nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("paid_minor", BIG, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
    )
    op.create_index(
        "ix_invoices_tenant_client", "invoices", ["tenant_id", "client_id"], unique=False
    )
    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=True),
        sa.Column("other_client_id", sa.Uuid(), nullable=True),
        sa.Column("pack_id", sa.Uuid(), nullable=True),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("branch_id", sa.Uuid(), nullable=True),
        sa.Column("group_id", sa.Uuid(), nullable=True),
        sa.Column("teacher_id", sa.Uuid(), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=True),
        sa.Column("amount_minor", BIG, nullable=False),
        sa.Column("classes", sa.Integer(), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("reverses_id", sa.Uuid(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    op.create_index(
        "ix_ledger_entries_booked",
        "ledger_entries",
        ["tenant_id", "kind", "booked_on"],
        unique=False,
    )
    op.create_index(
        "ix_ledger_entries_client", "ledger_entries", ["tenant_id", "client_id", "id"], unique=False
    )
    op.create_index(
        op.f("ix_ledger_entries_other_client_id"),
        "ledger_entries",
        ["other_client_id"],
        unique=False,
    )
    op.create_table(
        "lessons",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("group_id", sa.Uuid(), nullable=False),
        sa.Column("teacher_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lessons")),
    )
    op.create_table(
        "mark_states",
        sa.Column("mark_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("event_time", TZ, nullable=False),
        sa.Column("usage_id", sa.Uuid(), nullable=True),
        sa.PrimaryKeyConstraint("mark_id", name=op.f("pk_mark_states")),
    )
    op.create_table(
        "monthly_totals",
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("measure", sa.String(length=16), nullable=False),
        sa.Column("dim", sa.String(length=8), nullable=False),
        sa.Column("dim_id", sa.Uuid(), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("amount_minor", BIG, nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "tenant_id", "month", "measure", "dim", "dim_id", "shard", name="pk_monthly_totals"
        ),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("time_zone", sa.String(length=64), nullable=False),
        sa.Column("absence_uses_class", sa.Boolean(), nullable=False),
        sa.Column("due_soon_days", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
    )
    op.create_table(
        "pack_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("pack_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=True),
        sa.Column("by", sa.String(length=100), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pack_events")),
    )
    op.create_index("ix_pack_events_pack", "pack_events", ["pack_id", "at"], unique=False)
    op.create_table(
        "packs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("price_minor", BIG, nullable=False),
        sa.Column("classes_total", sa.Integer(), nullable=True),
        sa.Column("classes_left", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("period_unit", sa.String(length=8), nullable=True),
        sa.Column("period_count", sa.Integer(), nullable=True),
        sa.Column("billing", sa.String(length=8), nullable=True),
        sa.Column("payment_mode", sa.String(length=8), nullable=False),
        sa.Column("overlapping", sa.Boolean(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("leftover", sa.String(length=8), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("branch_ids", sa.JSON(), nullable=False),
        sa.Column("programmes", sa.JSON(), nullable=False),
        sa.Column("members", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("branch_id", sa.Uuid(), nullable=True),
        sa.Column("group_id", sa.Uuid(), nullable=True),
        sa.Column("sale_entry_id", sa.Uuid(), nullable=True),
        sa.Column("transferred_from", sa.Uuid(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint(
            "classes_left IS NULL OR classes_left >= 0", name=op.f("ck_packs_classes_left")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_packs")),
    )
    op.create_index("ix_packs_tenant_client", "packs", ["tenant_id", "client_id"], unique=False)
    op.create_index("ix_packs_tenant_ends_on", "packs", ["tenant_id", "ends_on"], unique=False)
    op.create_table(
        "services",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("price_minor", BIG, nullable=False),
        sa.Column("classes", sa.Integer(), nullable=True),
        sa.Column("period_unit", sa.String(length=8), nullable=True),
        sa.Column("period_count", sa.Integer(), nullable=True),
        sa.Column("billing", sa.String(length=8), nullable=True),
        sa.Column("freestyle", sa.Boolean(), nullable=False),
        sa.Column("overlapping", sa.Boolean(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("leftover", sa.String(length=8), nullable=False),
        sa.Column("group_ids", sa.JSON(), nullable=False),
        sa.Column("branch_ids", sa.JSON(), nullable=False),
        sa.Column("programmes", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_services")),
    )
    op.create_index(op.f("ix_services_tenant_id"), "services", ["tenant_id"], unique=False)
    op.create_table(
        "usages",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("pack_id", sa.Uuid(), nullable=True),
        sa.Column("mark_id", sa.Uuid(), nullable=True),
        sa.Column("lesson_id", sa.Uuid(), nullable=True),
        sa.Column("group_id", sa.Uuid(), nullable=True),
        sa.Column("lesson_date", sa.Date(), nullable=False),
        sa.Column("classes", sa.Integer(), nullable=False),
        sa.Column("charged_minor", BIG, nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=True),
        sa.Column("returned_entry_id", sa.Uuid(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usages")),
    )
    op.create_index(op.f("ix_usages_client_id"), "usages", ["client_id"], unique=False)
    op.create_index(op.f("ix_usages_mark_id"), "usages", ["mark_id"], unique=False)
    op.create_index("ix_usages_pack", "usages", ["pack_id", "lesson_date"], unique=False)
    op.create_table(
        "due_notices",
        sa.Column("due_item_id", sa.Uuid(), nullable=False),
        sa.Column("notice", sa.String(length=16), nullable=False),
        sa.Column("sent_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["due_item_id"], ["due_items.id"], name=op.f("fk_due_notices_due_item_id_due_items")
        ),
        sa.PrimaryKeyConstraint("due_item_id", "notice", name="pk_due_notices"),
    )
    op.create_table(
        "entry_reversals",
        sa.Column("reversed_entry_id", sa.Uuid(), nullable=False),
        sa.Column("reversal_entry_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["reversal_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_entry_reversals_reversal_entry_id_ledger_entries"),
        ),
        sa.ForeignKeyConstraint(
            ["reversed_entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_entry_reversals_reversed_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("reversed_entry_id", name=op.f("pk_entry_reversals")),
        sa.UniqueConstraint("reversal_entry_id", name=op.f("uq_entry_reversals_reversal_entry_id")),
    )
    op.create_table(
        "ledger_postings",
        sa.Column("id", BIG, autoincrement=True, nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=False),
        sa.Column("unit", sa.String(length=8), nullable=False),
        sa.Column("amount", BIG, nullable=False),
        sa.CheckConstraint("unit IN ('money', 'class')", name=op.f("ck_ledger_postings_unit")),
        sa.CheckConstraint("amount <> 0", name=op.f("ck_ledger_postings_nonzero")),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_ledger_postings_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_postings")),
    )
    op.create_index(
        "ix_ledger_postings_account",
        "ledger_postings",
        ["tenant_id", "account", "unit"],
        unique=False,
    )
    op.create_index(
        op.f("ix_ledger_postings_entry_id"), "ledger_postings", ["entry_id"], unique=False
    )
    op.create_table(
        "pack_freezes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("pack_id", sa.Uuid(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("until_date", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["pack_id"], ["packs.id"], name=op.f("fk_pack_freezes_pack_id_packs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pack_freezes")),
    )
    op.create_index(op.f("ix_pack_freezes_pack_id"), "pack_freezes", ["pack_id"], unique=False)
    op.create_table(
        "payment_allocations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Uuid(), nullable=False),
        sa.Column("entry_id", sa.Uuid(), nullable=False),
        sa.Column("target", sa.String(length=8), nullable=False),
        sa.Column("target_id", sa.Uuid(), nullable=False),
        sa.Column("amount_minor", BIG, nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["ledger_entries.id"],
            name=op.f("fk_payment_allocations_entry_id_ledger_entries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_allocations")),
    )
    op.create_index(
        op.f("ix_payment_allocations_entry_id"), "payment_allocations", ["entry_id"], unique=False
    )
    op.create_index(
        op.f("ix_payment_allocations_target_id"), "payment_allocations", ["target_id"], unique=False
    )

    if op.get_bind().dialect.name == "postgresql":
        _postgres_rules()
    else:
        _sqlite_rules()


def downgrade() -> None:
    for table in (
        "due_notices",
        "due_items",
        "invoices",
        "monthly_totals",
        "client_balances",
        "payment_allocations",
        "entry_reversals",
        "ledger_postings",
        "ledger_entries",
        "mark_states",
        "usages",
        "pack_events",
        "pack_freezes",
        "packs",
        "services",
        "lessons",
        "groups",
        "clients",
        "organisations",
    ):
        op.drop_table(table)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION billing_entry_balanced()")
        op.execute("DROP FUNCTION billing_posting_balanced()")
        op.execute("DROP FUNCTION billing_check_entry(uuid)")
        op.execute("DROP FUNCTION billing_append_only()")
    drop_idempotency_table()
