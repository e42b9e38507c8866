"""Make-ups about to expire: announced once per unused excused absence, a few days before the
window closes; not before, not for a used make-up, never twice."""

from __future__ import annotations

import uuid
from datetime import date

from journal_svc.marks.expiring import announce_once

from .conftest import Api, Org


def announce(api: Api, notice_days: int = 3) -> int:
    state = api.client.app.state  # type: ignore[attr-defined]
    return api.client.portal.call(  # type: ignore[union-attr,no-any-return]
        announce_once, state.database, state.outbox, state.clock, notice_days
    )


def test_an_unused_make_up_is_announced_once_before_its_window_closes(api: Api, org: Org) -> None:
    group = api.group(org)
    absent, made_up = uuid.uuid4(), uuid.uuid4()
    for client in (absent, made_up):
        api.enrol(org, group, client, since="2026-03-01")
    lesson = api.lesson(org, group, "2026-03-10")
    later = api.lesson(org, group, "2026-03-17")
    api.today(date(2026, 3, 10))
    for client in (absent, made_up):
        assert api.mark(org.owner, lesson, client, "excused").status_code in (200, 201)
    api.today(date(2026, 3, 17))
    absence = api.ok("GET", f"/api/v1/journal/lessons/{lesson['id']}/marks", org.owner)["items"]
    made_up_mark = next(m for m in absence if m["client_id"] == str(made_up))
    used = api.mark(org.owner, later, made_up, "makeup_attended", makeup_of=made_up_mark["id"])
    assert used.status_code in (200, 201), used.text
    until = next(m for m in absence if m["client_id"] == str(absent))["makeup_until"]
    assert until == "2026-04-09"  # 30 days, the default window

    api.today(date(2026, 4, 1))
    announce(api)
    assert api.events("journal.makeup_expiring") == [] or all(
        e["data"]["client_id"] not in (str(absent), str(made_up))
        for e in api.events("journal.makeup_expiring")
    )
    api.today(date(2026, 4, 6))
    announce(api)
    announce(api)
    mine = [
        e
        for e in api.events("journal.makeup_expiring")
        if e["data"]["client_id"] in (str(absent), str(made_up))
    ]
    assert [(e["data"]["client_id"], e["data"]["makeup_until"]) for e in mine] == [
        (str(absent), "2026-04-09")
    ]
    assert mine[0]["data"]["branch_id"] == str(org.branch)
