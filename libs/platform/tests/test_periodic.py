"""Background loops wait for a wake or a poll interval; a stop must always stop them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.db import Database
from crm_platform.periodic import PeriodicJob, wait_awhile
from crm_platform.wakeups import wake_on_commit, wakeups


async def test_a_cancel_that_arrives_with_the_wake_stops_the_wait() -> None:
    # asyncio.wait_for on Python 3.11 returned normally here, so the loop went on forever.
    wake = asyncio.Event()
    waiting = asyncio.create_task(wait_awhile(wake, 60))
    await asyncio.sleep(0)  # let it start waiting
    wake.set()
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting


async def test_the_wait_ends_with_the_wake_or_the_interval() -> None:
    wake = asyncio.Event()
    wake.set()
    await wait_awhile(wake, 60)  # at once: already woken
    await wait_awhile(asyncio.Event(), 0.01)  # the interval passes without a wake


@pytest.mark.parametrize("commits", [True, False])
async def test_a_job_runs_again_when_a_transaction_that_gave_it_work_commits_only(
    tmp_path: Path, commits: bool
) -> None:
    passes: list[int] = []
    ran = asyncio.Event()

    async def run_once() -> int:
        passes.append(len(passes))
        ran.set()
        return 0

    job = PeriodicJob("waking", run_once, poll_seconds=3600, wake_on="waking-job")
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'wake.sqlite3'}")
    await job.start()
    try:
        await ran.wait()  # the pass at start
        ran.clear()
        async with database.engine.connect() as conn:
            session = AsyncSession(bind=conn)
            await session.execute(text("SELECT 1"))
            wake_on_commit(session, "waking-job")
            await (session.commit() if commits else session.rollback())
            await session.close()
        if commits:
            await ran.wait()
        else:
            assert not job._wake.is_set()
        assert len(passes) == (2 if commits else 1)
    finally:
        await job.stop()
        await database.dispose()
    assert not wakeups._events["waking-job"]  # a stopped job is no longer woken
