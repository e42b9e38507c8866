"""UtcDateTime: a point in time is stored in UTC and read back aware, on SQLite and on
PostgreSQL alike, and renders as timestamptz (so migrations need no change)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, Table, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateTable

from crm_platform.db import Database, UtcDateTime, new_metadata
from crm_platform.testing import fresh_database

metadata = new_metadata()
times = Table(
    "times", metadata, Column("id", Integer, primary_key=True), Column("at", UtcDateTime())
)
WARSAW_SUMMER = timezone(timedelta(hours=2))


@pytest.fixture(params=["sqlite", "postgresql"])
async def database(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        db = Database(f"sqlite+aiosqlite:///{tmp_path / 'times.sqlite3'}")
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield db
        await db.dispose()
        return
    async with fresh_database("utc") as url:
        db = Database(url, pool_size=1)
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        yield db
        await db.dispose()


async def test_times_come_back_aware_in_utc_and_compare_as_instants(database: Database) -> None:
    local = datetime(2026, 7, 1, 12, 0, tzinfo=WARSAW_SUMMER)
    async with database.unit_of_work() as session:
        await session.execute(
            insert(times),
            [
                {"id": 1, "at": local},
                {"id": 2, "at": datetime(2026, 7, 1, 9, 0)},  # naive: taken as UTC
                {"id": 3, "at": None},
            ],
        )
    async with database.unit_of_work() as session:
        rows = {i: at for i, at in await session.execute(select(times.c.id, times.c.at))}
        later = (
            await session.execute(
                select(times.c.id).where(times.c.at > datetime(2026, 7, 1, 9, 30, tzinfo=UTC))
            )
        ).scalars()
        assert list(later) == [1]  # 10:00 UTC is after 09:30 UTC; 09:00 UTC is not
    assert rows[1] == local
    assert rows[1].tzinfo is UTC
    assert rows[1].hour == 10
    assert rows[2] == datetime(2026, 7, 1, 9, 0, tzinfo=UTC)
    assert rows[2].tzinfo is UTC
    assert rows[3] is None
    assert rows[1] < datetime.now(UTC)  # an aware value compares with an aware clock


def test_it_renders_as_timestamptz_on_postgresql() -> None:
    ddl = str(CreateTable(times).compile(dialect=postgresql.dialect()))  # type: ignore[no-untyped-call]
    assert "at TIMESTAMP WITH TIME ZONE" in ddl
