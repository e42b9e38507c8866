"""On real PostgreSQL: a connection that died while idle in the pool is pinged when taken
again and replaced, without a ping on every checkout; insert_once lets one insert of a key
through."""

from __future__ import annotations

import asyncpg
import pytest
from sqlalchemy import String, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import crm_platform.db
from crm_platform.db import Database, insert_once
from crm_platform.testing import fresh_database


async def _backend(database: Database) -> int:
    async with database.unit_of_work() as session:
        return int((await session.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _kill(url: str, pid: int) -> None:
    """From a connection of its own, outside the pool."""
    conn = await asyncpg.connect(url.replace("+asyncpg", ""))
    try:
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()


async def test_a_connection_that_died_while_idle_is_replaced_when_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async with fresh_database("pool") as url:
        database = Database(url, pool_size=1)
        try:
            first = await _backend(database)
            await _kill(url, first)
            monkeypatch.setattr(crm_platform.db, "PING_AFTER_IDLE_SECONDS", 0.0)
            second = await _backend(database)
            assert second != first
        finally:
            await database.dispose()


async def test_a_connection_in_steady_use_is_not_pinged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the ping the dead connection fails one unit of work; the pool then
    replaces it."""
    async with fresh_database("pool") as url:
        database = Database(url, pool_size=1)
        try:
            monkeypatch.setattr(crm_platform.db, "PING_AFTER_IDLE_SECONDS", 3600.0)
            first = await _backend(database)
            await _kill(url, first)
            with pytest.raises(Exception):  # noqa: B017, PT011 - whichever way the driver sees it
                await _backend(database)
            assert await _backend(database) != first
        finally:
            await database.dispose()


class _Base(DeclarativeBase):
    pass


class _Claim(_Base):
    __tablename__ = "claims"
    key: Mapped[str] = mapped_column(String, primary_key=True)
    by: Mapped[str] = mapped_column(String)


async def test_insert_once_lets_one_insert_of_a_key_through() -> None:
    async with fresh_database("insert_once") as url:
        database = Database(url, pool_size=2)
        try:
            async with database.engine.begin() as conn:
                await conn.run_sync(_Base.metadata.create_all)
            async with database.unit_of_work() as session:
                assert await insert_once(session, _Claim, key="a", by="first")
                assert not await insert_once(session, _Claim, key="a", by="second")
            async with database.unit_of_work() as session:
                assert not await insert_once(session, _Claim, key="a", by="third")
                assert await insert_once(session, _Claim, key="b", by="fourth")
                rows = (await session.execute(text("SELECT key, by FROM claims"))).all()
            assert sorted(tuple(r) for r in rows) == [("a", "first"), ("b", "fourth")]
        finally:
            await database.dispose()
