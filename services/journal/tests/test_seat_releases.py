"""A seat freed by an enrolment reaching its until-date is offered to the waitlist by the seat
job: once per freed seat, whatever restarts happen or however many journal processes run the
job at the same time (the database's guard row decides, not timing)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from journal_svc.enrolments.releases import run_once

from crm_platform.db import Database

from .conftest import Api, J, Org


def run_processes(api: Api, day: date, processes: int = 1) -> list[int]:
    """Runs the job as `processes` journal processes would, at once, each with its own pool."""
    app: Any = api.client.app
    moment = datetime.combine(day, time(12), tzinfo=UTC)

    async def run() -> list[int]:
        databases = [
            Database(app.state.settings.database_url, pool_size=2) for _ in range(processes)
        ]
        try:
            return list(
                await asyncio.gather(
                    *(run_once(db, app.state.outbox, lambda: moment) for db in databases)
                )
            )
        finally:
            for db in databases:
                await db.dispose()

    return api.client.portal.call(run)  # type: ignore[no-any-return]


def statuses(api: Api, org: Org, group: dict[str, Any]) -> list[tuple[str, str]]:
    items = api.ok("GET", f"{J}/groups/{group['id']}/waitlist", org.owner)["items"]
    return [(w["client_id"], w["status"]) for w in items]


def test_each_seat_freed_by_an_until_date_is_offered_once(api: Api, org: Org) -> None:
    api.today(date(2026, 3, 1))
    group = api.group(org, capacity=2)
    api.enrol(org, group, since="2026-02-01", until_date="2026-03-10")
    api.enrol(org, group, since="2026-02-01", until_date="2026-03-20")
    waiting = [api.client_of(org) for _ in range(3)]
    entries = [
        api.ok(
            "POST", f"{J}/groups/{group['id']}/waitlist", org.owner, 201, json={"client_id": str(c)}
        )
        for c in waiting
    ]
    # Before either until-date nothing is free: no offer, and nothing is marked as seen.
    assert run_processes(api, date(2026, 3, 9)) == [0]
    assert api.sql("SELECT * FROM seat_releases WHERE group_id = $1", uuid.UUID(group["id"])) == []
    assert [s for _, s in statuses(api, org, group)] == ["waiting"] * 3

    # The first client's last day: the seat is free from tomorrow and offered today, once,
    # although two processes run the job at the same moment and it runs again after a restart.
    assert sorted(run_processes(api, date(2026, 3, 10), processes=2)) == [0, 1]
    assert run_processes(api, date(2026, 3, 10)) == [0]
    assert run_processes(api, date(2026, 3, 15)) == [0]
    assert statuses(api, org, group) == [
        (str(waiting[0]), "offered"),
        (str(waiting[1]), "waiting"),
        (str(waiting[2]), "waiting"),
    ]
    [offer] = api.events("journal.waitlist_seat_offered", entries[0]["id"])
    assert offer["data"]["client_id"] == str(waiting[0])
    assert offer["tenant_id"] == str(org.tenant)

    # The second enrolment's until-date frees the second seat: the next client gets it.
    assert sorted(run_processes(api, date(2026, 3, 21), processes=2)) == [0, 1]
    assert [s for _, s in statuses(api, org, group)] == ["offered", "offered", "waiting"]
    for entry in entries[:2]:
        assert len(api.events("journal.waitlist_seat_offered", entry["id"])) == 1
    assert api.events("journal.waitlist_seat_offered", entries[2]["id"]) == []
    released = api.sql(
        "SELECT offered FROM seat_releases WHERE group_id = $1 ORDER BY released_on",
        uuid.UUID(group["id"]),
    )
    assert [r["offered"] for r in released] == [1, 1]


def test_an_archived_group_or_one_without_waiting_clients_offers_nothing(
    api: Api, org: Org
) -> None:
    api.today(date(2026, 4, 1))
    full = api.group(org, capacity=1)
    api.enrol(org, full, since="2026-03-01", until_date="2026-04-05")
    nobody_waits = api.group(org, capacity=1)
    api.enrol(org, nobody_waits, since="2026-03-01", until_date="2026-04-05")
    client = api.client_of(org)
    entry = api.ok(
        "POST", f"{J}/groups/{full['id']}/waitlist", org.owner, 201, json={"client_id": str(client)}
    )
    api.ok(
        "PATCH",
        f"{J}/groups/{full['id']}",
        org.owner,
        json={"archived": True},
        headers={"If-Match": str(full["version"])},
    )
    assert run_processes(api, date(2026, 4, 6)) == [0]
    assert api.events("journal.waitlist_seat_offered", entry["id"]) == []
    for group in (full, nobody_waits):
        rows = api.sql("SELECT * FROM seat_releases WHERE group_id = $1", uuid.UUID(group["id"]))
        assert rows == []
