"""The journal on SQLite, as the embedded `make run` runs it: migrations, then a short day of
work (group, lessons, enrolment, marks, the journal, figures) through the app."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from journal_svc.main import create_app
from journal_svc.settings import Settings

from crm_contracts.events.clients import ClientRegistered
from crm_platform.db_admin import upgrade_sync

from .conftest import SERVICE_DIR, Api, J, Org


@pytest.fixture(scope="module")
def sqlite_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    path: Path = tmp_path_factory.mktemp("journal") / "journal.sqlite3"
    url = f"sqlite+aiosqlite:///{path}"
    upgrade_sync(SERVICE_DIR, url)
    with TestClient(create_app(Settings(database_url=url, amqp_url=""))) as client:
        yield Api(client, "")


def test_a_day_of_work_on_sqlite(sqlite_api: Api) -> None:
    api, org = sqlite_api, Org()
    group = api.group(
        org,
        capacity=5,
        schedule=[{"weekday": 1, "starts_at": "17:00", "duration_minutes": 60}],
    )
    generated = api.ok(
        "POST",
        f"{J}/groups/{group['id']}/lessons/generate",
        org.owner,
        201,
        json={"from_date": "2026-03-01", "until_date": "2026-03-31"},
    )
    lessons = generated["created"]
    assert len(lessons) == 5
    client = api.enrol(org, group)["client_id"]
    card = ClientRegistered(
        client_id=uuid.UUID(client), first_name="A", last_name="B", birthday=date(2019, 1, 1)
    )
    assert api.deliver(card, org.tenant) == ["done"]
    assert api.mark(org.owner, lessons[0], client, "attended").status_code == 200
    assert api.mark(org.owner, lessons[1], client, "excused").status_code == 200
    clash = api.call(
        "POST",
        f"{J}/groups/{api.group(org, teacher_ids=[str(uuid.uuid4())])['id']}/lessons",
        org.owner,
        json={"lesson_date": "2026-03-02", "starts_at": "17:30", "duration_minutes": 30},
    )
    assert clash.status_code == 201  # another teacher and no room: no clash
    journal = api.ok(
        "GET",
        f"{J}/groups/{group['id']}/journal?from_date=2026-03-01&until_date=2026-03-31",
        org.owner,
    )
    assert [c["status"] for c in journal["rows"][0]["cells"].values()] == ["attended", "excused"]
    figures = api.ok("GET", f"{J}/figures/groups?month=2026-03", org.owner)
    mine = next(g for g in figures["items"] if g["group_id"] == group["id"])
    assert (mine["enrolled"], mine["fill_rate"]) == (1, 0.2)
    assert mine["average_age"] == 7.2  # born 2019-01-01, counted on March 31st
    api.today(date(2026, 3, 10))
    [open_makeup] = api.ok("GET", f"{J}/makeups?client_id={client}", org.owner)["items"]
    assert open_makeup["usable_until"] == "2026-04-08"
