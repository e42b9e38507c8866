"""Idempotency-Key on real PostgreSQL (and SQLite for the embedded mode): replay, conflict,
serialised concurrent claims, rollback releasing the key."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI
from pydantic import BaseModel
from sqlalchemy import Column, Integer, String, Table, func, insert, select, text

from crm_platform.db import Database, SessionDep, new_metadata
from crm_platform.errors import ProblemError, install_problem_handlers
from crm_platform.idempotency import (
    REPLAYED_HEADER,
    IdempotencyStore,
    Idempotent,
    fingerprint,
    idempotency_dependency,
    idempotency_table,
)
from crm_platform.testing import fresh_database

metadata = new_metadata()
keys = idempotency_table(metadata)
effects = Table(
    "effects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("note", String(100), nullable=False),
)
IdemDep = Annotated[Idempotent, Depends(idempotency_dependency(keys))]
OptionalIdemDep = Annotated[Idempotent, Depends(idempotency_dependency(keys, required=False))]


class Payment(BaseModel):
    amount: int
    note: str = ""


def make_app(database: Database) -> FastAPI:
    app = FastAPI()
    app.state.database = database
    install_problem_handlers(app)

    @app.post("/t/{tenant}/payments", status_code=201)
    async def pay(tenant: str, body: Payment, idem: IdemDep, session: SessionDep) -> Any:
        async def effect() -> dict[str, Any]:
            if body.amount <= 0:
                raise ProblemError(422, "Unprocessable Content", "amount must be positive")
            row = await session.execute(
                insert(effects).values(note=f"{tenant}:{body.amount}").returning(effects.c.id)
            )
            return {"id": row.scalar_one(), "amount": body.amount}

        return await idem.run(tenant, effect, status_code=201)

    @app.post("/t/{tenant}/notes")
    async def note(tenant: str, body: Payment, idem: OptionalIdemDep, session: SessionDep) -> Any:
        async def effect() -> dict[str, Any]:
            await session.execute(insert(effects).values(note="note"))
            return {"ok": True}

        return await idem.run(tenant, effect)

    return app


async def count_effects(database: Database) -> int:
    async with database.unit_of_work() as session:
        return int((await session.execute(select(func.count()).select_from(effects))).scalar_one())


@pytest.fixture(scope="module")
async def database() -> AsyncIterator[Database]:
    async with fresh_database("idem") as url:
        db = Database(url, pool_size=5)
        async with db.engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        try:
            yield db
        finally:
            await db.dispose()


@pytest.fixture
async def api(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=make_app(database))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        yield client


def key() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


async def test_same_key_and_body_replays_the_first_answer_once(
    api: httpx.AsyncClient, database: Database
) -> None:
    before = await count_effects(database)
    headers = key()
    first = await api.post("/t/a/payments", json={"amount": 5, "note": "x"}, headers=headers)
    # The same content with other key order and spacing is the same request.
    again = await api.post(
        "/t/a/payments",
        content=b'{ "note": "x",   "amount": 5 }',
        headers=headers | {"content-type": "application/json"},
    )
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers[REPLAYED_HEADER] == "true"
    assert REPLAYED_HEADER not in first.headers
    assert await count_effects(database) == before + 1


async def test_same_key_with_another_body_or_path_is_409(api: httpx.AsyncClient) -> None:
    headers = key()
    assert (await api.post("/t/a/payments", json={"amount": 5}, headers=headers)).status_code == 201
    other_body = await api.post("/t/a/payments", json={"amount": 6}, headers=headers)
    other_path = await api.post("/t/a/notes", json={"amount": 5}, headers=headers)
    assert other_body.status_code == 409
    assert other_body.json()["errors"][0]["field"] == "Idempotency-Key"
    assert other_path.status_code == 409


async def test_keys_are_per_scope(api: httpx.AsyncClient, database: Database) -> None:
    before = await count_effects(database)
    headers = key()
    a = await api.post("/t/a/payments", json={"amount": 1}, headers=headers)
    b = await api.post("/t/b/payments", json={"amount": 1}, headers=headers)
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert await count_effects(database) == before + 2


async def test_missing_key_is_428_and_a_bad_key_422(api: httpx.AsyncClient) -> None:
    missing = await api.post("/t/a/payments", json={"amount": 1})
    assert missing.status_code == 428
    assert missing.json()["errors"][0] == {
        "field": "Idempotency-Key",
        "in": "header",
        "message": "this write needs an Idempotency-Key header",
    }
    too_long = await api.post(
        "/t/a/payments", json={"amount": 1}, headers={"Idempotency-Key": "k" * 201}
    )
    assert too_long.status_code == 422
    # A route where the key is optional runs without one, every time.
    assert (await api.post("/t/a/notes", json={"amount": 1})).status_code == 200


async def test_a_failed_request_leaves_no_key_so_its_retry_runs(
    api: httpx.AsyncClient, database: Database
) -> None:
    headers = key()
    failed = await api.post("/t/a/payments", json={"amount": 0}, headers=headers)
    assert failed.status_code == 422
    async with database.unit_of_work() as session:
        left = await session.execute(
            select(keys.c.key).where(keys.c.key == headers["Idempotency-Key"])
        )
        assert left.first() is None
    # The client fixes nothing and retries the same body: it runs again (and fails again).
    assert (await api.post("/t/a/payments", json={"amount": 0}, headers=headers)).status_code == 422


async def test_concurrent_requests_with_one_key_have_one_effect(
    api: httpx.AsyncClient, database: Database
) -> None:
    before = await count_effects(database)
    headers = key()
    answers = await asyncio.gather(
        *(api.post("/t/a/payments", json={"amount": 9}, headers=headers) for _ in range(8))
    )
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert sum(REPLAYED_HEADER not in a.headers for a in answers) == 1
    assert await count_effects(database) == before + 1


async def test_a_second_claim_waits_for_the_first_transaction(database: Database) -> None:
    """Deterministic: B's claim is seen waiting on A's lock before A commits; B then replays."""
    store = IdempotencyStore(keys)
    scope, name = "w", uuid.uuid4().hex
    now = datetime.now(UTC)
    print_ = fingerprint("POST", "/x", b"{}")
    async with database.sessions() as a:
        await a.begin()
        assert await store.claim(a, scope, name, print_, now) is None
        pid_a = (await a.execute(text("SELECT pg_backend_pid()"))).scalar_one()

        async def claim_b() -> Any:
            async with database.unit_of_work() as b:
                return await store.claim(b, scope, name, print_, now)

        waiting = asyncio.create_task(claim_b())
        for _ in range(500):
            async with database.unit_of_work() as probe:
                blocked = await probe.execute(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE :pid = ANY(pg_blocking_pids(pid))"
                    ),
                    {"pid": pid_a},
                )
                if blocked.scalar_one() > 0:
                    break
            await asyncio.sleep(0.01)
        else:
            pytest.fail("the second claim never waited on the first")
        assert not waiting.done()
        from crm_platform.idempotency import StoredAnswer

        await store.store(a, scope, name, StoredAnswer(201, b'{"id":1}'))
        await a.commit()
    replay = await waiting
    assert replay is not None
    assert (replay.status_code, replay.body) == (201, b'{"id":1}')


async def test_purge_forgets_old_keys(database: Database) -> None:
    store = IdempotencyStore(keys)
    old = datetime.now(UTC) - timedelta(days=3)
    async with database.unit_of_work() as session:
        assert await store.claim(session, "p", "old-key", "f", old) is None
    async with database.unit_of_work() as session:
        assert await store.purge(session, datetime.now(UTC) - timedelta(days=1)) >= 1
    async with database.unit_of_work() as session:
        assert await store.claim(session, "p", "old-key", "g", datetime.now(UTC)) is None


async def test_works_on_sqlite_for_the_embedded_mode(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'idem.sqlite3'}")
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    transport = httpx.ASGITransport(app=make_app(database))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            headers = key()
            first = await client.post("/t/a/payments", json={"amount": 3}, headers=headers)
            again = await client.post("/t/a/payments", json={"amount": 3}, headers=headers)
            other = await client.post("/t/a/payments", json={"amount": 4}, headers=headers)
        assert (first.status_code, again.status_code, other.status_code) == (201, 201, 409)
        assert again.json() == first.json()
        assert await count_effects(database) == 1
    finally:
        await database.dispose()
