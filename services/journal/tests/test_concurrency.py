"""Marks changed at the same moment by several people: the lesson's row lock orders them, so
each change is one event, the events form one unbroken chain, and the counters stay true."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from journal_svc.main import create_app
from journal_svc.settings import Settings

from crm_platform.db_admin import upgrade
from crm_platform.testing import fresh_database, internal_headers

from .conftest import SERVICE_DIR, J, Org, seed_read_models


@pytest.fixture
async def journal() -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    async with fresh_database("journal_race") as url:
        await upgrade(SERVICE_DIR, url)
        app = create_app(Settings(database_url=url, amqp_url="", db_pool_size=4))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://j") as client:
                yield client, url.replace("+asyncpg", "")


async def test_concurrent_changes_of_cells_are_each_one_event(
    journal: tuple[httpx.AsyncClient, str],
) -> None:
    client, url = journal
    org = Org()
    headers = internal_headers(org.owner, "journal")

    async def post(path: str, body: dict[str, object]) -> dict[str, object]:
        response = await client.post(path, headers=headers, json=body)
        assert response.status_code == 201, response.text
        data: dict[str, object] = response.json()
        return data

    kids = [str(uuid.uuid4()) for _ in range(3)]
    await seed_read_models(url, org, kids)
    group = await post(
        f"{J}/groups", {"name": "G", "branch_id": str(org.branch), "starts_on": "2026-01-01"}
    )
    lesson = await post(
        f"{J}/groups/{group['id']}/lessons",
        {"lesson_date": "2026-03-02", "starts_at": "10:00", "duration_minutes": 60},
    )
    for kid in kids:
        await post(
            f"{J}/groups/{group['id']}/enrolments", {"client_id": kid, "from_date": "2026-01-01"}
        )
    statuses = ["attended", "absent", "excused", "attended", "planned"] * 4

    async def mark(kid: str, status: str) -> int:
        response = await client.put(
            f"{J}/lessons/{lesson['id']}/marks/{kid}", headers=headers, json={"status": status}
        )
        return response.status_code

    codes = await asyncio.gather(*(mark(kids[i % 3], s) for i, s in enumerate(statuses)))
    assert set(codes) == {200}

    conn = await asyncpg.connect(url)
    try:
        bodies = [
            json.loads(r["body"])["data"]
            for r in await conn.fetch(
                "SELECT body FROM outbox WHERE event_type = $1 ORDER BY seq",
                "journal.attendance_marked",
            )
        ]
        marks = await conn.fetch("SELECT client_id, status, version FROM marks")
        counters = await conn.fetchrow(
            "SELECT attended_count, marked_count FROM lessons WHERE id = $1",
            uuid.UUID(lesson["id"]),
        )
    finally:
        await conn.close()
    for kid in kids:
        chain = [b for b in bodies if b["client_id"] == kid]
        [row] = [m for m in marks if str(m["client_id"]) == kid]
        assert len(chain) == row["version"]  # one event per change, none for a repeat
        assert chain[0]["previous_status"] is None
        for before, after in itertools.pairwise(chain):
            assert after["previous_status"] == before["status"] != after["status"]
        assert chain[-1]["status"] == row["status"]
    present = sum(m["status"] in ("attended", "makeup_attended") for m in marks)
    recorded = sum(m["status"] != "planned" for m in marks)
    assert (counters["attended_count"], counters["marked_count"]) == (present, recorded)
