"""The hand-written migrations build exactly the tables the models describe, on PostgreSQL
and on SQLite (the embedded `make run`), and go down cleanly."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from clients_svc.models import Base

from crm_platform.db_admin import alembic_config, upgrade, upgrade_sync
from crm_platform.testing import fresh_database, schema_differences

from .conftest import SERVICE_DIR

# Search indexes 0002 makes per dialect on purpose (trigram GIN on PostgreSQL, plain on
# SQLite), which the models do not describe.
SEARCH_INDEXES = {
    "ix_clients_phone_digits_trgm",
    "ix_clients_search_name_trgm",
    "ix_clients_tag_ids",
    "ix_clients_phone_digits",
    "ix_clients_search_name",
}


def _searched(change: object) -> bool:
    return (
        isinstance(change, tuple)
        and change[0] == "remove_index"
        and change[1].name in SEARCH_INDEXES
    )


async def differences(url: str) -> tuple[list[object], set[str]]:
    diff, tables = await schema_differences(url, Base.metadata)
    return [d for d in diff if not _searched(d)], tables


async def test_postgres_schema_matches_the_models_and_downgrades() -> None:
    async with fresh_database("clients_mig") as url:
        await upgrade(SERVICE_DIR, url)
        diff, _ = await differences(url)
        assert diff == []
        await asyncio.to_thread(command.downgrade, alembic_config(SERVICE_DIR, url), "0001")
        _, tables = await differences(url)
        assert tables == {"alembic_version", "outbox", "inbox"}


def test_sqlite_migrates_up_and_down(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'clients.sqlite3'}"
    upgrade_sync(SERVICE_DIR, url)
    diff, tables = asyncio.run(differences(url))
    assert diff == []
    assert {"clients", "tasks", "staff_members"} <= tables
    command.downgrade(alembic_config(SERVICE_DIR, url), "base")
    assert asyncio.run(differences(url))[1] == {"alembic_version"}
    upgrade_sync(SERVICE_DIR, url)  # and up again
    assert asyncio.run(differences(url))[0] == []
