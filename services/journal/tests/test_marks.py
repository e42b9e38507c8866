"""Marks: who may mark, the statuses, make-ups and their window, full lessons, bulk marking,
and exactly one event per change of a cell."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

from crm_contracts.events.clients import ClientRegistered

from .conftest import Api, J, Org


def cell_events(api: Api, lesson: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """(type, status, previous) of every attendance event of a lesson, in order."""
    found: list[tuple[int, tuple[str, str | None, str | None]]] = []
    for kind in ("journal.attendance_marked", "journal.attendance_unmarked"):
        rows = api.sql("SELECT seq, body FROM outbox WHERE event_type = $1 ORDER BY seq", kind)
        for row in rows:
            data = json.loads(row["body"])["data"]
            if data["lesson_id"] == lesson["id"]:
                found.append(
                    (row["seq"], (kind.split(".")[1], data.get("status"), data["previous_status"]))
                )
    return [item for _, item in sorted(found)]


def test_each_change_of_a_cell_is_one_event_and_a_repeat_is_none(api: Api, org: Org) -> None:
    group = api.group(org)
    lesson = api.lesson(org, group, "2026-03-02")
    client = api.enrol(org, group)["client_id"]
    first = api.mark(org.owner, lesson, client, "planned")
    assert first.status_code == 200, first.text
    mark = first.json()
    assert (mark["status"], mark["version"], mark["makeup_until"]) == ("planned", 1, None)
    assert api.mark(org.owner, lesson, client, "attended").json()["version"] == 2
    assert api.mark(org.owner, lesson, client, "attended").json()["version"] == 2  # no-op
    assert api.mark(org.owner, lesson, client, "absent").status_code == 200
    removed = api.call("DELETE", f"{J}/lessons/{lesson['id']}/marks/{client}", org.owner)
    assert removed.status_code == 204
    assert cell_events(api, lesson) == [
        ("attendance_marked", "planned", None),
        ("attendance_marked", "attended", "planned"),
        ("attendance_marked", "absent", "attended"),
        ("attendance_unmarked", None, "absent"),
    ]
    [event] = [
        e
        for e in api.events("journal.attendance_marked", mark["id"])
        if e["data"]["status"] == "attended"
    ]
    assert event["data"] | {} == {
        "mark_id": mark["id"],
        "lesson_id": lesson["id"],
        "group_id": group["id"],
        "branch_id": str(org.branch),
        "client_id": client,
        "lesson_date": "2026-03-02",
        "status": "attended",
        "previous_status": "planned",
        "makeup_of": None,
        "makeup_until": None,
    }
    again = api.call("DELETE", f"{J}/lessons/{lesson['id']}/marks/{client}", org.owner)
    assert again.status_code == 404


def test_a_client_not_enrolled_that_day_cannot_be_marked(api: Api, org: Org) -> None:
    group = api.group(org)
    lesson = api.lesson(org, group, "2026-03-02")
    stranger = uuid.uuid4()
    refused = api.mark(org.owner, lesson, stranger, "attended")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "the client is not enrolled in this group on 2026-03-02"
    later = api.enrol(org, group, since="2026-03-03")["client_id"]
    assert api.mark(org.owner, lesson, later, "planned").status_code == 409
    assert api.mark(org.owner, lesson, later, "bogus").status_code == 422
    assert cell_events(api, lesson) == []


def test_a_teacher_marks_only_the_granted_groups(api: Api, org: Org) -> None:
    mine, theirs = api.group(org), api.group(org)
    my_lesson, their_lesson = (
        api.lesson(org, mine, "2026-03-03"),
        api.lesson(org, theirs, "2026-03-03", "12:00"),
    )
    client = uuid.uuid4()
    api.enrol(org, mine, client)
    api.enrol(org, theirs, client)
    teacher = org.teacher(mine["id"])
    assert api.mark(teacher, my_lesson, client, "attended").status_code == 200
    assert api.mark(teacher, their_lesson, client, "attended").status_code == 404
    assert api.mark(org.accountant(), my_lesson, client, "absent").status_code == 403
    assert api.mark(Org().owner, my_lesson, client, "absent").status_code == 404
    assert (
        api.call("DELETE", f"{J}/lessons/{their_lesson['id']}/marks/{client}", teacher).status_code
        == 404
    )
    assert api.ok("GET", f"{J}/lessons/{my_lesson['id']}", org.owner)["attended"] == 1


def test_a_stale_version_of_a_cell_is_refused(api: Api, org: Org) -> None:
    group = api.group(org)
    lesson = api.lesson(org, group, "2026-03-04")
    client = api.enrol(org, group)["client_id"]
    api.mark(org.owner, lesson, client, "attended")
    stale = api.mark(org.owner, lesson, client, "absent", headers={"If-Match": "0"})
    assert stale.status_code == 412


def excused(api: Api, org: Org, window: int = 14) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """An organisation with a make-up window; a client excused on 2026-03-02."""
    settings = api.ok("GET", f"{J}/settings", org.owner)
    api.ok(
        "PATCH",
        f"{J}/settings",
        org.owner,
        json={"makeup_days": window},
        headers={"If-Match": str(settings["version"])},
    )
    group = api.group(org, programme="Dance")
    lesson = api.lesson(org, group, "2026-03-02")
    client = api.enrol(org, group)["client_id"]
    absence = api.mark(org.owner, lesson, client, "excused").json()
    return group, client, absence


def test_an_excused_absence_is_made_up_in_another_group_within_its_window(
    api: Api, org: Org
) -> None:
    _, client, absence = excused(api, org)
    assert absence["makeup_until"] == "2026-03-16"
    other = api.group(org, branch_id=str(org.other_branch), capacity=10)
    inside = api.lesson(org, other, "2026-03-16", "15:00")
    outside = api.lesson(org, other, "2026-03-17", "15:00")
    late = api.mark(org.owner, outside, client, "makeup_attended", makeup_of=absence["id"])
    assert late.status_code == 409
    assert late.json()["detail"] == "the make-up window of this absence ended on 2026-03-16"
    missing = api.mark(org.owner, inside, client, "makeup_attended")
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "makeup_of"
    made_up = api.mark(org.owner, inside, client, "makeup_attended", makeup_of=absence["id"])
    assert made_up.status_code == 200, made_up.text
    assert made_up.json()["makeup_of"] == absence["id"]
    [event] = api.events("journal.attendance_marked", made_up.json()["id"])
    assert (event["data"]["status"], event["data"]["makeup_of"]) == (
        "makeup_attended",
        absence["id"],
    )
    another = api.lesson(org, other, "2026-03-10", "15:00")
    twice = api.mark(org.owner, another, client, "makeup_attended", makeup_of=absence["id"])
    assert twice.status_code == 409
    assert twice.json()["detail"] == "this absence's make-up has already been used"
    # The absence cannot turn into something else while its make-up stands.
    changed = api.call(
        "PUT",
        f"{J}/lessons/{absence['lesson_id']}/marks/{client}",
        org.owner,
        json={"status": "attended"},
    )
    assert changed.status_code == 409
    assert changed.json()["detail"] == (
        "this absence was made up on 2026-03-16; remove that make-up first"
    )
    # Removing the make-up frees the absence for another one.
    api.call("DELETE", f"{J}/lessons/{inside['id']}/marks/{client}", org.owner)
    again = api.mark(org.owner, another, client, "makeup_attended", makeup_of=absence["id"])
    assert again.status_code == 200


def test_a_make_up_in_a_full_lesson_is_refused(api: Api, org: Org) -> None:
    _, client, absence = excused(api, org)
    full = api.group(org, capacity=2)
    api.enrol(org, full)
    api.enrol(org, full)
    lesson = api.lesson(org, full, "2026-03-05", "16:00")
    refused = api.mark(org.owner, lesson, client, "makeup_attended", makeup_of=absence["id"])
    assert refused.status_code == 409
    assert refused.json()["detail"] == "the lesson is full (2 seats)"


def test_only_an_excused_absence_of_the_same_client_can_be_made_up(api: Api, org: Org) -> None:
    group, _client, absence = excused(api, org)
    other_client = api.enrol(org, group)["client_id"]
    lesson = api.lesson(org, api.group(org), "2026-03-06", "16:00")
    theirs = api.mark(org.owner, lesson, other_client, "makeup_attended", makeup_of=absence["id"])
    assert theirs.status_code == 422
    assert theirs.json()["errors"][0]["message"] == "not an excused absence of this client"
    foreign = Org()
    _, foreign_client, foreign_absence = excused(api, foreign)
    crossing = api.mark(
        org.owner, lesson, foreign_client, "makeup_attended", makeup_of=foreign_absence["id"]
    )
    assert crossing.status_code == 422


def test_open_make_ups_expire_and_the_window_is_kept_from_the_day_of_the_absence(
    api: Api, org: Org
) -> None:
    group, client, absence = excused(api, org, window=7)
    # A later change of the window does not move an absence already granted.
    api.ok("PATCH", f"{J}/settings", org.owner, json={"makeup_days": 60}, headers={"If-Match": "2"})
    api.today(date(2026, 3, 9))
    open_now = api.ok("GET", f"{J}/makeups?client_id={client}", org.owner)["items"]
    assert open_now == [
        {
            "mark_id": absence["id"],
            "client_id": client,
            "group_id": group["id"],
            "lesson_id": absence["lesson_id"],
            "absence_date": "2026-03-02",
            "usable_until": "2026-03-09",
        }
    ]
    api.today(date(2026, 3, 10))
    assert api.ok("GET", f"{J}/makeups?client_id={client}", org.owner)["items"] == []
    seats = api.ok(
        "GET", f"{J}/lessons/{absence['lesson_id']}/marks/{client}/makeup-seats", org.owner
    )
    assert seats["items"] == []
    assert api.ok("GET", f"{J}/makeups?client_id={client}", org.teacher())["items"] == []


def test_the_seat_finder_offers_free_seats_in_other_groups_least_filled_first(
    api: Api, org: Org
) -> None:
    api.today(date(2026, 3, 1))
    own, client, absence = excused(api, org)
    roomy = api.group(org, programme="Dance", capacity=10, branch_id=str(org.other_branch))
    busy = api.group(org, programme="Dance", capacity=4)
    packed = api.group(org, programme="Dance", capacity=1)
    piano = api.group(org, programme="Piano", capacity=10)
    for _ in range(3):
        api.enrol(org, busy)
    api.enrol(org, roomy)
    api.enrol(org, packed)
    roomy_lesson = api.lesson(org, roomy, "2026-03-12", "15:00")
    busy_lesson = api.lesson(org, busy, "2026-03-05", "15:00")
    api.lesson(org, packed, "2026-03-06", "15:00")  # full
    api.lesson(org, roomy, "2026-03-20", "15:00")  # after the window
    api.lesson(org, own, "2026-03-09", "15:00")  # the client's own group
    piano_lesson = api.lesson(org, piano, "2026-03-07", "15:00")
    teens = api.group(org, programme="Dance", capacity=10, age_min=12, age_max=16)
    api.lesson(org, teens, "2026-03-08", "15:00")  # not for a six-year-old
    six = ClientRegistered(
        client_id=uuid.UUID(client), first_name="A", last_name="B", birthday=date(2020, 1, 1)
    )
    assert api.deliver(six, org.tenant) == ["done"]
    path = f"{J}/lessons/{absence['lesson_id']}/marks/{client}/makeup-seats"
    seats = api.ok("GET", path, org.owner)
    assert seats["absence"]["usable_until"] == "2026-03-16"
    assert [(s["lesson_id"], s["taken"], s["free"], s["fill_rate"]) for s in seats["items"]] == [
        (roomy_lesson["id"], 1, 9, 0.1),
        (busy_lesson["id"], 3, 1, 0.75),
    ]
    wide = api.ok("GET", f"{path}?any_programme=true", org.owner)["items"]
    assert piano_lesson["id"] in {s["lesson_id"] for s in wide}
    # An admin of one branch is offered that branch's seats only.
    admin_seats = api.ok("GET", path, org.admin(org.branch))["items"]
    assert [s["lesson_id"] for s in admin_seats] == [busy_lesson["id"]]
    not_excused = api.call(
        "GET", f"{J}/lessons/{busy_lesson['id']}/marks/{client}/makeup-seats", org.owner
    )
    assert not_excused.status_code == 404


def test_a_whole_lesson_is_marked_at_once_or_not_at_all(api: Api, org: Org) -> None:
    api.today(date(2026, 3, 10))
    group = api.group(org)
    lesson = api.lesson(org, group, "2026-03-09")
    clients = [api.enrol(org, group)["client_id"] for _ in range(3)]
    api.mark(org.owner, lesson, clients[0], "excused")
    path = f"{J}/lessons/{lesson['id']}/marks"
    stranger = str(uuid.uuid4())
    refused = api.call(
        "POST", path, org.owner, json={"status": "attended", "client_ids": [clients[1], stranger]}
    )
    assert refused.status_code == 409
    assert refused.json()["errors"] == [
        {
            "field": "client_ids.1",
            "in": "body",
            "message": "the client is not enrolled in this group on 2026-03-09",
        }
    ]
    assert len(cell_events(api, lesson)) == 1
    done = api.ok("POST", path, org.teacher(group["id"]), json={"status": "attended"})
    assert sorted(m["client_id"] for m in done["changed"]) == sorted(clients[1:])
    assert done["unchanged"] == 1
    marks = api.ok("GET", path, org.owner)["items"]
    assert sorted((m["client_id"], m["status"]) for m in marks) == sorted(
        [(clients[0], "excused"), (clients[1], "attended"), (clients[2], "attended")]
    )
    over = api.ok("POST", path, org.owner, json={"status": "absent", "overwrite": True})
    assert len(over["changed"]) == 3
    assert len(cell_events(api, lesson)) == 1 + 2 + 3
    counted = api.ok("GET", f"{J}/lessons/{lesson['id']}", org.owner)
    assert (counted["attended"], counted["marked"]) == (0, 3)


def test_a_make_up_in_an_extra_lesson_of_the_own_group_needs_no_free_seat(
    api: Api, org: Org
) -> None:
    group, client, absence = excused(api, org)
    own = group
    api.ok(
        "PATCH",
        f"{J}/groups/{own['id']}",
        org.owner,
        json={"capacity": 1},
        headers={"If-Match": str(own["version"])},
    )
    extra = api.lesson(org, own, "2026-03-07", "09:00")
    api.today(date(2026, 3, 7))
    made_up = api.mark(org.owner, extra, client, "makeup_attended", makeup_of=absence["id"])
    assert made_up.status_code == 200, made_up.text
    assert api.ok("GET", f"{J}/lessons/{extra['id']}", org.owner)["attended"] == 1
