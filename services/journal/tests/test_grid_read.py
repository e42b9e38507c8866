"""The journal grid's one statement on PostgreSQL reads exactly what its queries one by one
read (the way it is read on SQLite), within the caller's scope."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import orjson
from journal_svc.grid.repository import GridData, GridRepository

from crm_contracts.events.billing import BalanceChanged
from crm_contracts.events.clients import ClientRegistered
from crm_platform.db import Database, pg_connection
from crm_platform.internal_auth import Principal

from .conftest import Api, J, Org

MAY = (date(2026, 5, 1), date(2026, 5, 31))


def both_reads(api: Api, principal: Principal, group_id: str) -> tuple[Any, Any]:
    async def read() -> tuple[GridData | None, GridData | None]:
        database = Database(api.db_url.replace("postgresql://", "postgresql+asyncpg://"))
        try:
            async with database.sessions() as session:
                repository = GridRepository(session)
                group = uuid.UUID(group_id)
                pg = await pg_connection(session, begin=False)
                return (
                    await repository._read_at_once(pg, principal, group, *MAY),
                    await repository._read_by_parts(principal, group, *MAY),
                )
        finally:
            await database.dispose()

    return tuple(_comparable(data) for data in asyncio.run(read()))  # type: ignore[return-value]


def _comparable(data: GridData | None) -> Any:
    """As JSON, with the unordered lists in one order."""
    if data is None:
        return None
    plain = orjson.loads(orjson.dumps(data.__dict__ | {"counts": None}, default=str))
    for name in ("enrolments", "marks"):
        plain[name].sort(key=orjson.dumps)
    plain["counts"] = sorted((str(k), v) for k, v in data.counts.items())
    return plain


def test_one_statement_reads_what_the_queries_read(api: Api, org: Org) -> None:
    api.today(date(2026, 5, 20))
    home, host = api.group(org), api.group(org, programme="Piano", capacity=8)
    guest = uuid.uuid4()
    api.deliver(
        ClientRegistered(
            client_id=guest, first_name="Ivy", last_name="Guest", birthday="2015-05-07"
        ),
        org.tenant,
    )
    api.enrol(org, home, guest)
    absence = api.mark(org.owner, api.lesson(org, home, "2026-05-04"), guest, "excused").json()
    member = api.enrol(org, host)["client_id"]
    api.enrol(org, host, until_date="2026-05-02")
    api.deliver(
        BalanceChanged(client_id=uuid.UUID(member), balance_minor=-1200, currency="PLN"),
        org.tenant,
        source="billing",
    )
    lessons = [api.lesson(org, host, f"2026-05-{d:02d}", "12:00") for d in (6, 13, 20)]
    api.lesson(org, host, "2026-06-03")  # outside the period
    api.mark(org.owner, lessons[0], guest, "makeup_attended", makeup_of=absence["id"])
    api.mark(org.owner, lessons[0], member, "attended")
    api.mark(org.owner, lessons[1], member, "absent")
    note = {"kind": "information", "body": "Bring the music"}
    for target in (
        {"target": "group", "group_id": host["id"]},
        {"target": "lesson", "lesson_id": lessons[1]["id"]},
        {"target": "cell", "lesson_id": lessons[0]["id"], "client_id": member},
        {"target": "client", "group_id": host["id"], "client_id": member},
    ):
        api.ok("POST", f"{J}/comments", org.owner, 201, json=note | target)

    at_once, by_parts = both_reads(api, org.owner, host["id"])
    assert at_once == by_parts
    shown = ("lessons", "marks", "enrolments", "cards", "counts")
    assert [len(at_once[name]) for name in shown] == [3, 3, 2, 3, 4]
    # Outside the caller's scope, or another organisation's: nothing is read.
    for stranger in (org.teacher(home["id"]), Org().owner):
        assert both_reads(api, stranger, host["id"]) == (None, None)
    assert both_reads(api, org.teacher(host["id"]), host["id"])[0] == at_once


def test_an_empty_month_reads_alike(api: Api, org: Org) -> None:
    group = api.group(org)
    at_once, by_parts = both_reads(api, org.owner, group["id"])
    assert at_once == by_parts
    assert (at_once["lessons"], at_once["marks"], at_once["cards"]) == ([], [], {})
