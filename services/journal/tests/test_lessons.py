"""Lessons: generated from the schedule, one-off, clashes refused, substitutes, cancelling."""

from __future__ import annotations

import uuid
from datetime import date

from .conftest import Api, J, Org


def weekly(weekday: int, at: str, minutes: int = 60) -> dict[str, object]:
    return {"weekday": weekday, "starts_at": at, "duration_minutes": minutes}


def test_lessons_are_generated_from_the_schedule_once(api: Api, org: Org) -> None:
    room = api.room(org)
    teacher = str(uuid.uuid4())
    group = api.group(
        org,
        room_id=room["id"],
        teacher_ids=[teacher],
        schedule=[weekly(1, "17:00"), weekly(3, "17:00", 45)],
        starts_on="2026-03-01",
    )
    path = f"{J}/groups/{group['id']}/lessons/generate"
    period = {"from_date": "2026-03-01", "until_date": "2026-03-31"}
    first = api.ok("POST", path, org.owner, 201, json=period)
    assert [lesson["lesson_date"] for lesson in first["created"]] == [
        "2026-03-02",
        "2026-03-04",
        "2026-03-09",
        "2026-03-11",
        "2026-03-16",
        "2026-03-18",
        "2026-03-23",
        "2026-03-25",
        "2026-03-30",
    ]
    assert first["created"][1] | {"id": None, "version": 1} == {
        "id": None,
        "group_id": group["id"],
        "branch_id": str(org.branch),
        "lesson_date": "2026-03-04",
        "starts_at": "17:00",
        "duration_minutes": 45,
        "room_id": room["id"],
        "teacher_id": teacher,
        "kind": "scheduled",
        "cancelled": False,
        "cancel_reason": None,
        "attended": 0,
        "marked": 0,
        "version": 1,
    }
    again = api.ok("POST", path, org.owner, 201, json=period)
    assert (again["created"], again["skipped"]) == ([], 9)
    scheduled = api.events("journal.lesson_scheduled")
    mine = [e for e in scheduled if e["data"]["group_id"] == group["id"]]
    assert len(mine) == 9
    listed = api.ok(
        "GET",
        f"{J}/groups/{group['id']}/lessons?from_date=2026-03-09&until_date=2026-03-11",
        org.owner,
    )
    assert [x["lesson_date"] for x in listed["items"]] == ["2026-03-09", "2026-03-11"]


def test_a_one_off_lesson_in_a_taken_room_is_refused_with_the_reason(api: Api, org: Org) -> None:
    room = api.room(org)
    a = api.group(org, room_id=room["id"])
    b = api.group(org, room_id=room["id"])
    api.lesson(org, a, "2026-03-05", "10:00")
    response = api.call(
        "POST",
        f"{J}/groups/{b['id']}/lessons",
        org.owner,
        json={"lesson_date": "2026-03-05", "starts_at": "10:30", "duration_minutes": 60},
    )
    assert response.status_code == 409
    assert response.json()["errors"] == [
        {"field": "lesson", "in": "body", "message": "the room is taken at 2026-03-05 10:30"}
    ]
    api.lesson(org, b, "2026-03-05", "11:00")  # right after: fine


def test_generation_that_would_clash_adds_nothing(api: Api, org: Org) -> None:
    teacher = str(uuid.uuid4())
    busy = api.group(org, teacher_ids=[teacher])
    api.lesson(org, busy, "2026-03-09", "17:30")
    group = api.group(
        org, teacher_ids=[teacher], starts_on="2026-04-01", schedule=[weekly(1, "17:00")]
    )
    # The schedules do not overlap in time, but the one-off lesson of March 9 does.
    response = api.call(
        "POST",
        f"{J}/groups/{group['id']}/lessons/generate",
        org.owner,
        json={"from_date": "2026-03-01", "until_date": "2026-03-31"},
    )
    assert response.status_code == 201
    assert response.json()["created"] == []  # the group starts in April
    patched = api.call(
        "PATCH",
        f"{J}/groups/{group['id']}",
        org.owner,
        json={"starts_on": "2026-03-01"},
        headers={"If-Match": str(group["version"])},
    )
    assert patched.status_code == 200, patched.text
    refused = api.call(
        "POST",
        f"{J}/groups/{group['id']}/lessons/generate",
        org.owner,
        json={"from_date": "2026-03-01", "until_date": "2026-03-31"},
    )
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["message"] == "the teacher is taken at 2026-03-09 17:00"
    assert api.sql("SELECT 1 FROM lessons WHERE group_id = $1", uuid.UUID(group["id"])) == []


def test_a_substitute_is_recorded_and_a_move_into_a_clash_is_refused(api: Api, org: Org) -> None:
    group = api.group(org, teacher_ids=[str(uuid.uuid4())])
    lesson = api.lesson(org, group, "2026-03-10", "09:00")
    substitute = str(api.teacher_of(org))
    path = f"{J}/lessons/{lesson['id']}"
    changed = api.ok(
        "PATCH", path, org.owner, json={"teacher_id": substitute}, headers={"If-Match": "1"}
    )
    assert (changed["teacher_id"], changed["version"]) == (substitute, 2)
    other = api.group(org, teacher_ids=[substitute])
    api.lesson(org, other, "2026-03-11", "09:00")
    moved = api.call(
        "PATCH", path, org.owner, json={"lesson_date": "2026-03-11"}, headers={"If-Match": "2"}
    )
    assert moved.status_code == 409
    assert api.ok("GET", path, org.owner)["lesson_date"] == "2026-03-10"
    teacher = org.teacher(group["id"])
    assert (
        api.call("PATCH", path, teacher, json={"teacher_id": substitute}, headers={"If-Match": "2"})
    ).status_code == 403


def test_cancelling_removes_the_marks_with_an_event_each(api: Api, org: Org) -> None:
    group = api.group(org)
    lesson = api.lesson(org, group, "2026-03-12")
    clients = [api.enrol(org, group)["client_id"] for _ in range(2)]
    for client in clients:
        assert api.mark(org.owner, lesson, client, "attended").status_code == 200
    cancelled = api.ok(
        "POST", f"{J}/lessons/{lesson['id']}/cancel", org.owner, json={"reason": "flood"}
    )
    assert (cancelled["cancelled"], cancelled["cancel_reason"], cancelled["attended"]) == (
        True,
        "flood",
        0,
    )
    unmarked = [
        e
        for e in api.events("journal.attendance_unmarked")
        if e["data"]["lesson_id"] == lesson["id"]
    ]
    assert sorted(e["data"]["client_id"] for e in unmarked) == sorted(clients)
    assert {e["data"]["previous_status"] for e in unmarked} == {"attended"}
    [event] = api.events("journal.lesson_cancelled", lesson["id"])
    assert event["data"]["reason"] == "flood"
    refused = api.mark(org.owner, lesson, clients[0], "attended")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "the lesson is cancelled"
    # Generating again does not bring a cancelled lesson back.
    again = api.ok("POST", f"{J}/lessons/{lesson['id']}/cancel", org.owner, json={})
    assert again["version"] == cancelled["version"]


def test_lessons_of_an_unseen_group_are_not_found(api: Api, org: Org) -> None:
    mine = api.group(org)
    theirs = api.group(org)
    lesson = api.lesson(org, theirs, "2026-03-13")
    teacher = org.teacher(mine["id"])
    assert api.call("GET", f"{J}/lessons/{lesson['id']}", teacher).status_code == 404
    assert api.call("GET", f"{J}/lessons/{lesson['id']}", Org().owner).status_code == 404
    assert (
        api.call(
            "GET",
            f"{J}/groups/{theirs['id']}/lessons?from_date=2026-03-01&until_date=2026-03-31",
            teacher,
        ).status_code
        == 404
    )
    assert date.fromisoformat(
        api.ok("GET", f"{J}/lessons/{lesson['id']}", org.owner)["lesson_date"]
    )


def test_a_rooms_timetable_lists_its_lessons_for_those_who_see_the_groups(
    api: Api, org: Org
) -> None:
    room = api.room(org)
    seen = api.group(org, name="Piano", room_id=room["id"])
    other = api.group(org, name="Violin", room_id=room["id"])
    first = api.lesson(org, seen, "2026-03-02", "17:00")
    api.lesson(org, other, "2026-03-02", "18:00")
    api.lesson(org, other, "2026-03-09", "18:00")
    api.lesson(org, seen, "2026-04-06", "17:00")  # after the period
    api.ok("POST", f"{J}/lessons/{first['id']}/cancel", org.owner, json={"reason": "ill"})
    path = f"{J}/rooms/{room['id']}/lessons?from_date=2026-03-01&until_date=2026-03-31"
    busy = api.ok("GET", path, org.owner)["items"]
    assert [(b["lesson_date"], b["starts_at"], b["group_name"], b["cancelled"]) for b in busy] == [
        ("2026-03-02", "17:00", "Piano", True),
        ("2026-03-02", "18:00", "Violin", False),
        ("2026-03-09", "18:00", "Violin", False),
    ]
    teacher = org.teacher(seen["id"])
    assert [b["group_name"] for b in api.ok("GET", path, teacher)["items"]] == ["Piano"]
    assert api.call("GET", path, org.admin(org.other_branch)).status_code == 404
    assert api.call("GET", path, Org().owner).status_code == 404
    reversed_period = "from_date=2026-03-31&until_date=2026-03-01"
    backwards = api.call("GET", f"{J}/rooms/{room['id']}/lessons?{reversed_period}", org.owner)
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "until_date"
