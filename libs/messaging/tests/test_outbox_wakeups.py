"""Relays of this process wake when a transaction that wrote to the outbox commits, and not
when it rolls back (then nothing left)."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from crm_messaging import Outbox
from crm_platform.db import Database
from crm_platform.wakeups import wakeups

from .conftest import Schema
from .events import TENANT, Counted


@pytest.mark.parametrize("commits", [True, False])
async def test_a_relay_wakes_when_outbox_rows_commit_only(
    tmp_path: Path, schema: Schema, commits: bool
) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'wake.sqlite3'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(schema.metadata.create_all)
    outbox = Outbox("waking", schema.tables)
    woken = asyncio.Event()
    wakeups.register(outbox.channel, woken)
    try:
        with contextlib.nullcontext() if commits else pytest.raises(RuntimeError):
            async with database.unit_of_work() as session:
                await outbox.emit(session, Counted(n=1), tenant_id=TENANT, subject="s")
                assert not woken.is_set()  # not before the commit
                if not commits:
                    raise RuntimeError("rolled back")
        assert woken.is_set() is commits
        woken.clear()
        async with database.unit_of_work():
            pass  # a later transaction of another session writes nothing
        assert not woken.is_set()
    finally:
        wakeups.unregister(outbox.channel, woken)
        await database.dispose()
