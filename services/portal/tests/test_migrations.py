"""The hand-written migrations build exactly the tables the models describe, on PostgreSQL
and on SQLite (the embedded `make run`), and go down cleanly."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from pathlib import Path

from alembic import command
from portal_svc.models import metadata

from crm_platform.db_admin import alembic_config, upgrade, upgrade_sync
from crm_platform.testing import fresh_database, schema_differences

from .conftest import SERVICE_DIR


async def test_postgres_schema_matches_the_models_and_downgrades() -> None:
    async with fresh_database("portal_mig") as url:
        await upgrade(SERVICE_DIR, url)
        diff, _ = await schema_differences(url, metadata)
        assert diff == []
        await asyncio.to_thread(command.downgrade, alembic_config(SERVICE_DIR, url), "0001")
        _, tables = await schema_differences(url, metadata)
        assert tables == {"alembic_version", "outbox", "inbox"}


def test_sqlite_migrates_up_and_down(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'portal.sqlite3'}"
    upgrade_sync(SERVICE_DIR, url)
    diff, tables = asyncio.run(schema_differences(url, metadata))
    assert diff == []
    assert {"rm_clients", "rm_packs", "event_log"} <= tables
    command.downgrade(alembic_config(SERVICE_DIR, url), "base")
    assert asyncio.run(schema_differences(url, metadata))[1] == {"alembic_version"}


def test_the_branches_the_portal_already_knows_are_kept_as_the_organisations(
    tmp_path: Path,
) -> None:
    path = tmp_path / "portal.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_sync(SERVICE_DIR, url, "0009")
    tenant, north, south = (uuid.uuid4().hex for _ in range(3))
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO rm_clients (client_id, tenant_id, branch_id, email_confirmed) "
            "VALUES (?, ?, ?, 0)",
            [(uuid.uuid4().hex, tenant, branch) for branch in (north, north, None)],
        )
        conn.execute(
            "INSERT INTO rm_groups (group_id, tenant_id, branch_id, name, archived, state_at) "
            "VALUES (?, ?, ?, 'Piano', 0, '2026-01-01 00:00:00.000000')",
            (uuid.uuid4().hex, tenant, south),
        )
    upgrade_sync(SERVICE_DIR, url)
    with sqlite3.connect(path) as conn:
        found = conn.execute("SELECT branch_id, tenant_id FROM rm_branches").fetchall()
    assert sorted(found) == sorted([(north, tenant), (south, tenant)])


def test_invoice_copies_billing_described_with_a_period_get_it_as_dates(tmp_path: Path) -> None:
    path = tmp_path / "portal.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_sync(SERVICE_DIR, url, "0010")
    tenant, client, pack = (uuid.uuid4().hex for _ in range(3))
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO rm_packs (pack_id, tenant_id, client_id, name, kind, starts_on, "
            "status, shared, state_at) VALUES (?, ?, ?, 'Piano x 8', 'pack', '2026-12-07', "
            "'active', 0, '2026-12-01')",
            (pack, tenant, client),
        )
        conn.executemany(
            "INSERT INTO rm_invoices (invoice_id, tenant_id, client_id, pack_id, description, "
            "amount_minor, paid_minor, currency, due_on, status, issued_at, state_at) "
            "VALUES (?, ?, ?, ?, ?, 100, 0, 'PLN', '2026-12-17', 'open', '2026-12-01', "
            "'2026-12-01')",
            [
                ("a", tenant, client, pack, "Piano x 8: 2026-12-07 to 2027-01-06"),
                ("b", tenant, client, pack, "Piano x 8: from 2026-12-07"),
                ("c", tenant, client, None, "Trip: 2026-12-07 to 2026-12-09"),
            ],
        )
    upgrade_sync(SERVICE_DIR, url)
    with sqlite3.connect(path) as conn:
        found = conn.execute(
            "SELECT invoice_id, description, period_from, period_until FROM rm_invoices "
            "ORDER BY invoice_id"
        ).fetchall()
    assert found == [
        ("a", "Piano x 8", "2026-12-07", "2027-01-06"),
        ("b", "Piano x 8", "2026-12-07", None),
        ("c", "Trip: 2026-12-07 to 2026-12-09", None, None),
    ]
