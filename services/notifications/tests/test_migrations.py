"""The migrations build exactly the tables the models describe, on PostgreSQL and on SQLite
(the embedded `make run`), and go down cleanly."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from notifications_svc.models import metadata

from crm_platform.db_admin import alembic_config, upgrade, upgrade_sync
from crm_platform.testing import fresh_database, schema_differences

from .conftest import SERVICE_DIR


async def test_postgres_schema_matches_the_models_and_downgrades() -> None:
    async with fresh_database("notify_mig") as url:
        await upgrade(SERVICE_DIR, url)
        diff, _ = await schema_differences(url, metadata)
        assert diff == []
        await asyncio.to_thread(command.downgrade, alembic_config(SERVICE_DIR, url), "0001")
        _, tables = await schema_differences(url, metadata)
        assert tables == {"alembic_version", "outbox", "inbox"}


def test_sqlite_migrates_up_and_down(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'notifications.sqlite3'}"
    upgrade_sync(SERVICE_DIR, url)
    diff, tables = asyncio.run(schema_differences(url, metadata))
    assert diff == []
    assert {"messages", "message_attempts", "opt_outs", "clients"} <= tables
    command.downgrade(alembic_config(SERVICE_DIR, url), "base")
    assert asyncio.run(schema_differences(url, metadata))[1] == {"alembic_version"}
