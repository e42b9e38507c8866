"""GroupCommit on real PostgreSQL: concurrent items share transactions, each gets its own
outcome, a refused item fails alone, and a batch whose transaction fails is written again
item by item. claim_many's answers for keys repeated inside one batch."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime

import pytest
from sqlalchemy import Column, Integer, String, Table, func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.db import Database, new_metadata
from crm_platform.errors import ProblemError
from crm_platform.group_commit import GroupCommit
from crm_platform.idempotency import (
    IdempotencyStore,
    KeyRequest,
    SameKeyAs,
    StoredAnswer,
    idempotency_table,
)
from crm_platform.testing import fresh_database

metadata = new_metadata()
keys = idempotency_table(metadata)
notes = Table(
    "notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("note", String(100), nullable=False, unique=True),
    Column("txid", String(40), nullable=False),
)


@pytest.fixture(scope="module")
async def database() -> AsyncIterator[Database]:
    async with fresh_database("group_commit") as url:
        db = Database(url, pool_size=5)
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        try:
            yield db
        finally:
            await db.dispose()


async def write_notes(session: AsyncSession, items: Sequence[str]) -> list[str | Exception]:
    """Writes every note with its transaction id; 'refuse:...' is refused before writing."""
    txid = str((await session.execute(text("SELECT txid_current()"))).scalar_one())
    out: list[str | Exception] = []
    for item in items:
        if item.startswith("refuse:"):
            out.append(ProblemError(422, "Unprocessable Content", item))
            continue
        await session.execute(insert(notes).values(note=item, txid=txid))
        out.append(f"{item}@{txid}")
    return out


async def stored(database: Database, prefix: str) -> dict[str, str]:
    async with database.unit_of_work() as session:
        rows = await session.execute(
            select(notes.c.note, notes.c.txid).where(notes.c.note.like(prefix + "%"))
        )
        return {row.note: row.txid for row in rows}


async def test_concurrent_items_share_transactions_and_each_gets_its_own_answer(
    database: Database,
) -> None:
    commit = GroupCommit("notes", database, write_notes, max_batch=16, max_in_flight=1)
    prefix = uuid.uuid4().hex[:8]
    items = [f"{prefix}-{n}" for n in range(40)]
    answers = await asyncio.gather(*(commit.submit(item) for item in items))
    await commit.stop()
    assert [a.split("@")[0] for a in answers] == items
    written = await stored(database, prefix)
    assert set(written) == set(items)
    transactions = set(written.values())
    # One in flight at a time: the first item goes alone, the rest wait and share commits.
    assert len(transactions) <= 1 + -(-39 // 16)
    assert all(
        answer.split("@")[1] == written[item] for item, answer in zip(items, answers, strict=False)
    )


async def test_a_lone_item_is_written_at_once(database: Database) -> None:
    commit = GroupCommit("notes", database, write_notes)
    prefix = uuid.uuid4().hex[:8]
    answer = await commit.submit(f"{prefix}-alone")
    assert answer.startswith(f"{prefix}-alone@")
    assert list(await stored(database, prefix)) == [f"{prefix}-alone"]


async def test_a_refused_item_fails_alone_and_the_others_commit(database: Database) -> None:
    commit = GroupCommit("notes", database, write_notes, max_in_flight=1)
    prefix = uuid.uuid4().hex[:8]
    items = [f"{prefix}-a", f"refuse:{prefix}", f"{prefix}-b", f"{prefix}-c"]
    answers = await asyncio.gather(*(commit.submit(i) for i in items), return_exceptions=True)
    assert isinstance(answers[1], ProblemError)
    assert answers[1].status == 422
    assert [isinstance(a, str) for a in answers] == [True, False, True, True]
    assert set(await stored(database, prefix)) == {f"{prefix}-a", f"{prefix}-b", f"{prefix}-c"}


async def test_a_failing_batch_is_written_again_item_by_item(database: Database) -> None:
    """A note that already exists breaks the unique index: the batch's transaction fails as a
    whole, then every item is written alone: only the duplicate fails."""
    prefix = uuid.uuid4().hex[:8]
    first = GroupCommit("notes", database, write_notes)
    await first.submit(f"{prefix}-taken")
    commit = GroupCommit("notes", database, write_notes, max_batch=8, max_in_flight=1)
    # The first item goes alone; the three after it wait for it and form one batch.
    items = [f"{prefix}-0", f"{prefix}-1", f"{prefix}-taken", f"{prefix}-2"]
    answers = await asyncio.gather(*(commit.submit(i) for i in items), return_exceptions=True)
    assert [isinstance(a, Exception) for a in answers] == [False, False, True, False]
    written = await stored(database, prefix)
    assert set(written) == {f"{prefix}-{n}" for n in ("taken", "0", "1", "2")}
    # 1 and 2 were written alone, each in a transaction of its own.
    assert written[f"{prefix}-1"] != written[f"{prefix}-2"]


async def test_claim_many_answers_a_key_repeated_in_one_batch(database: Database) -> None:
    store = IdempotencyStore(keys)
    now = datetime.now(UTC)
    fresh, used = uuid.uuid4().hex, uuid.uuid4().hex
    async with database.unit_of_work() as session:
        assert await store.claim(session, "s", used, "p1", now) is None
        await store.store(session, "s", used, StoredAnswer(201, b'{"id":1}'))
    async with database.unit_of_work() as session:
        claims = await store.claim_many(
            session,
            [
                KeyRequest("s", fresh, "p1"),  # claimed here
                KeyRequest("s", fresh, "p1"),  # the same request again: replays the first
                KeyRequest("s", fresh, "p2"),  # another request with the first's key: 409
                KeyRequest("s", used, "p2"),  # a stored key, another request: 409
                KeyRequest("s", used, "p1"),  # a stored key, the same request: replay
                KeyRequest("other", fresh, "p2"),  # the same key in another scope: its own
            ],
            now,
        )
    assert claims[0] is None
    assert claims[1] == SameKeyAs(0)
    assert isinstance(claims[2], ProblemError)
    assert claims[2].status == 409
    assert isinstance(claims[3], ProblemError)
    assert claims[3].status == 409
    assert claims[4] == StoredAnswer(201, b'{"id":1}')
    assert claims[5] is None
    async with database.unit_of_work() as session:
        held = await session.execute(
            select(func.count()).select_from(keys).where(keys.c.key == fresh)
        )
        assert held.scalar_one() == 2


async def test_a_second_batch_starts_beside_a_running_one_only_when_enough_wait(
    database: Database,
) -> None:
    running, release = asyncio.Event(), asyncio.Event()
    batches: list[list[str]] = []

    async def slow_first(session: AsyncSession, items: Sequence[str]) -> list[str | Exception]:
        batches.append(list(items))
        if len(batches) == 1:
            running.set()
            await release.wait()
        return list(items)

    commit = GroupCommit("gate", database, slow_first, max_in_flight=2, min_beside=3)
    first = asyncio.ensure_future(commit.submit("a"))
    await running.wait()  # alone: written at once
    # b and c are too few for a transaction beside a's; with d they are enough, and are
    # written while a's batch still runs.
    assert await asyncio.gather(*(commit.submit(x) for x in ("b", "c", "d"))) == ["b", "c", "d"]
    late = asyncio.ensure_future(commit.submit("e"))
    release.set()
    assert await first == "a"
    assert await late == "e"  # one waiting item goes once the running batch ends
    assert batches == [["a"], ["b", "c", "d"], ["e"]]
    await commit.stop()
