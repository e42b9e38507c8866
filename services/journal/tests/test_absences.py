"""An absence reported ahead by the client (the Telegram bot): the next lesson that has not
started is excused with its make-up window; asking again changes nothing."""

from __future__ import annotations

import uuid
from datetime import date

from .conftest import SYSTEM, Api, Org

PATH = "/internal/v1/journal/absences"


def test_the_next_lesson_not_started_is_excused_once(api: Api, org: Org) -> None:
    api.today(date(2026, 3, 10))  # noon UTC
    group = api.group(org)
    client = uuid.uuid4()
    api.enrol(org, group, client, since="2026-03-01")
    api.lesson(org, group, "2026-03-10", at="09:00")  # started this morning
    later = api.lesson(org, group, "2026-03-12", at="17:00")
    api.lesson(org, group, "2026-03-11", at="10:00")
    cancelled = api.lesson(org, group, "2026-03-10", at="18:00")
    api.ok("POST", f"/api/v1/journal/lessons/{cancelled['id']}/cancel", org.owner, json={})
    body = {"organisation_id": str(org.tenant), "client_id": str(client)}
    first = api.ok("POST", PATH, SYSTEM, json=body)
    assert first["lesson_date"] == "2026-03-11"
    assert first["starts_at"] == "10:00"
    assert first["changed"] is True
    assert first["makeup_until"] is not None
    marks = api.ok("GET", f"/api/v1/journal/lessons/{first['lesson_id']}/marks", org.owner)
    assert [(m["client_id"], m["status"]) for m in marks["items"]] == [(str(client), "excused")]
    again = api.ok("POST", PATH, SYSTEM, json=body)
    assert again == first | {"changed": False}
    assert len(api.events("journal.attendance_marked", first["lesson_id"])) <= 1
    assert later["id"] != first["lesson_id"]


def test_no_upcoming_lesson_is_404_and_only_the_system_may_ask(api: Api, org: Org) -> None:
    api.today(date(2026, 3, 10))
    body = {"organisation_id": str(org.tenant), "client_id": str(uuid.uuid4())}
    assert api.call("POST", PATH, SYSTEM, json=body).status_code == 404
    assert api.call("POST", PATH, org.owner, json=body).status_code == 404
    bad = api.call("POST", PATH, SYSTEM, json={"client_id": "x"})
    assert bad.status_code == 422
