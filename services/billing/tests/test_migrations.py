"""The hand-written migrations build exactly the tables the models describe, on PostgreSQL
and on SQLite (the embedded `make run`), and go down cleanly."""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
from alembic import command
from billing_svc.models import metadata

from crm_platform.db_admin import alembic_config, upgrade, upgrade_sync
from crm_platform.testing import fresh_database, schema_differences

from .conftest import SERVICE_DIR


async def differences(url: str) -> tuple[list[object], set[str]]:
    return await schema_differences(url, metadata)


async def test_postgres_schema_matches_the_models_and_downgrades() -> None:
    async with fresh_database("billing_mig") as url:
        await upgrade(SERVICE_DIR, url)
        diff, _ = await differences(url)
        assert diff == []
        await asyncio.to_thread(command.downgrade, alembic_config(SERVICE_DIR, url), "0003")
        _, tables = await differences(url)
        assert "pack_period_ends" not in tables
        await upgrade(SERVICE_DIR, url)
        assert (await differences(url))[0] == []


def test_sqlite_migrates_up_and_down(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'billing.sqlite3'}"
    upgrade_sync(SERVICE_DIR, url)
    diff, tables = asyncio.run(differences(url))
    assert diff == []
    assert {"packs", "pack_period_ends", "ledger_entries", "due_items"} <= tables
    command.downgrade(alembic_config(SERVICE_DIR, url), "0003")
    assert "pack_period_ends" not in asyncio.run(differences(url))[1]
    upgrade_sync(SERVICE_DIR, url)  # and up again
    assert asyncio.run(differences(url))[0] == []


def test_existing_packs_get_their_period_classes_and_lapsed_ones_do_not_renew(
    tmp_path: Path,
) -> None:
    path = tmp_path / "billing.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_sync(SERVICE_DIR, url, "0003")
    today = datetime.now(UTC).date()  # SQLite's CURRENT_DATE
    rows = {
        # name: (kind, ends_on, transferred_from)
        "running": ("subscription", today, None),
        "lapsed": ("subscription", today - timedelta(days=1), None),
        "given": ("subscription", today, uuid.uuid4().hex),
        "pack": ("pack", today, None),
    }
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO packs (id, tenant_id, client_id, kind, name, price_minor, "
            "classes_total, classes_left, starts_on, ends_on, payment_mode, overlapping, "
            "shared, leftover, group_ids, branch_ids, programmes, members, status, "
            "transferred_from, version, created_at) VALUES (?, ?, ?, ?, ?, 100, 6, 2, ?, ?, "
            "'paid', 1, 0, 'burn', '[]', '[]', '[]', '[]', 'active', ?, 1, ?)",
            [
                (
                    *(uuid.uuid4().hex, uuid.uuid4().hex, uuid.uuid4().hex, kind, name),
                    *(str(ends_on - timedelta(days=30)), str(ends_on), given, "2026-01-01"),
                )
                for name, (kind, ends_on, given) in rows.items()
            ],
        )
    upgrade_sync(SERVICE_DIR, url)
    with sqlite3.connect(path) as conn:
        found = conn.execute("SELECT name, auto_renew, period_classes FROM packs").fetchall()
    assert sorted(found) == [("given", 0, 6), ("lapsed", 0, 6), ("pack", 0, 6), ("running", 1, 6)]


def test_the_branches_billing_already_knows_are_kept_as_the_organisations(
    tmp_path: Path,
) -> None:
    path = tmp_path / "billing.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_sync(SERVICE_DIR, url, "0009")
    tenant, north, south = (uuid.uuid4().hex for _ in range(3))
    with sqlite3.connect(path) as conn:
        conn.executemany(
            "INSERT INTO clients (id, tenant_id, first_name, last_name, branch_id, status) "
            "VALUES (?, ?, 'A', 'B', ?, 'active')",
            [(uuid.uuid4().hex, tenant, branch) for branch in (north, north, None)],
        )
        conn.execute(
            "INSERT INTO groups (id, tenant_id, branch_id) VALUES (?, ?, ?)",
            (uuid.uuid4().hex, tenant, south),
        )
    upgrade_sync(SERVICE_DIR, url)
    with sqlite3.connect(path) as conn:
        found = conn.execute("SELECT id, tenant_id FROM branches").fetchall()
    assert sorted(found) == sorted([(north, tenant), (south, tenant)])


def test_invoices_billing_described_with_a_period_get_it_as_dates(tmp_path: Path) -> None:
    path = tmp_path / "billing.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_sync(SERVICE_DIR, url, "0010")
    tenant, client, pack = (uuid.uuid4().hex for _ in range(3))
    with sqlite3.connect(path) as conn:
        conn.execute(
            "INSERT INTO packs (id, tenant_id, client_id, kind, name, price_minor, "
            "starts_on, payment_mode, overlapping, shared, leftover, group_ids, branch_ids, "
            "programmes, members, status, version, created_at) VALUES (?, ?, ?, 'pack', "
            "'Piano x 8', 100, '2026-12-07', 'credit', 1, 0, 'burn', '[]', '[]', '[]', '[]', "
            "'active', 1, '2026-12-01')",
            (pack, tenant, client),
        )
        conn.executemany(
            "INSERT INTO invoices (id, tenant_id, client_id, pack_id, description, "
            "amount_minor, due_on, status, paid_minor, version, created_at) "
            "VALUES (?, ?, ?, ?, ?, 100, '2026-12-17', 'open', 0, 1, '2026-12-01')",
            [
                ("a", tenant, client, pack, "Piano x 8: 2026-12-07 to 2027-01-06"),
                ("b", tenant, client, pack, "Piano x 8: from 2026-12-07"),
                ("c", tenant, client, pack, "Piano x 8: the December trip"),
                ("d", tenant, client, None, "Trip: 2026-12-07 to 2026-12-09"),
                ("e", tenant, client, pack, "Guitar: 2026-12-07 to 2027-01-06"),
            ],
        )
    upgrade_sync(SERVICE_DIR, url)
    with sqlite3.connect(path) as conn:
        found = conn.execute(
            "SELECT id, description, period_from, period_until FROM invoices ORDER BY id"
        ).fetchall()
    assert found == [
        ("a", "Piano x 8", "2026-12-07", "2027-01-06"),
        ("b", "Piano x 8", "2026-12-07", None),
        ("c", "Piano x 8: the December trip", None, None),
        ("d", "Trip: 2026-12-07 to 2026-12-09", None, None),
        ("e", "Guitar: 2026-12-07 to 2027-01-06", None, None),
    ]


async def test_postgres_takes_the_period_out_of_descriptions_billing_wrote() -> None:
    async with fresh_database("billing_periods") as url:
        await upgrade(SERVICE_DIR, url, "0010")
        tenant, client, pack, first, other = (uuid.uuid4() for _ in range(5))
        conn = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            await conn.execute(
                "INSERT INTO packs (id, tenant_id, client_id, kind, name, price_minor, "
                "starts_on, payment_mode, overlapping, shared, leftover, group_ids, branch_ids, "
                "programmes, members, status, version, created_at) VALUES ($1, $2, $3, 'pack', "
                "'Piano x 8', 100, '2026-12-07', 'credit', true, false, 'burn', '[]', '[]', "
                "'[]', '[]', 'active', 1, now())",
                pack,
                tenant,
                client,
            )
            for invoice, description in (
                (first, "Piano x 8: 2026-12-07 to 2027-01-06"),
                (other, "Piano x 8: 100% paid"),
            ):
                await conn.execute(
                    "INSERT INTO invoices (id, tenant_id, client_id, pack_id, description, "
                    "amount_minor, due_on, status, paid_minor, version, created_at) VALUES "
                    "($1, $2, $3, $4, $5, 100, '2026-12-17', 'open', 0, 1, now())",
                    invoice,
                    tenant,
                    client,
                    pack,
                    description,
                )
            await upgrade(SERVICE_DIR, url)
            rows = await conn.fetch(
                "SELECT id, description, period_from, period_until FROM invoices"
            )
        finally:
            await conn.close()
    found = {r["id"]: (r["description"], r["period_from"], r["period_until"]) for r in rows}
    assert found == {
        first: ("Piano x 8", date(2026, 12, 7), date(2027, 1, 6)),
        other: ("Piano x 8: 100% paid", None, None),
    }
