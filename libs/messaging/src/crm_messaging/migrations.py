"""Alembic operations that each service's first migration calls."""

from __future__ import annotations

from alembic import op

from crm_messaging.tables import MessagingTables
from crm_platform.db import new_metadata


def create_messaging_tables() -> None:
    tables = MessagingTables(new_metadata())
    bind = op.get_bind()
    tables.outbox.create(bind)
    tables.inbox.create(bind)


def drop_messaging_tables() -> None:
    tables = MessagingTables(new_metadata())
    bind = op.get_bind()
    tables.inbox.drop(bind)
    tables.outbox.drop(bind)
