"""Ids named in bodies are checked with libs' scope rule: an id the caller may not see is
refused exactly as an id that does not exist, and nothing widens the caller's scope."""

from __future__ import annotations

import uuid
from typing import Any

from .conftest import Api, J, Org


def refused_field(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_an_admin_cannot_enrol_a_client_of_another_branch_into_their_own_group(
    api: Api, org: Org
) -> None:
    admin = org.admin(org.branch)
    group = api.group(org)
    elsewhere = api.client_of(org, branch=org.other_branch)
    stranger = api.client_of(Org())
    enrolments = f"{J}/groups/{group['id']}/enrolments"
    waitlist = f"{J}/groups/{group['id']}/waitlist"
    answers = []
    for client in (elsewhere, stranger, uuid.uuid4()):
        body = {"client_id": str(client), "from_date": "2026-01-01"}
        enrolled = api.call("POST", enrolments, admin, json=body)
        refused_field(enrolled, "client_id")
        answers.append(enrolled.json()["detail"])
        waiting = api.call("POST", waitlist, admin, json={"client_id": str(client)})
        refused_field(waiting, "client_id")
    assert len(set(answers)) == 1  # unseen, foreign and unknown answer alike
    assert api.sql("SELECT 1 FROM enrolments WHERE group_id = $1", uuid.UUID(group["id"])) == []
    # The owner sees the client, and after that the admin sees it through the group.
    api.enrol(org, group, elsewhere)
    other_group = api.group(org)
    api.ok(
        "POST",
        f"{J}/groups/{other_group['id']}/enrolments",
        admin,
        201,
        json={"client_id": str(elsewhere), "from_date": "2026-01-01"},
    )


def test_branches_named_in_bodies_must_be_the_organisations_own(api: Api, org: Org) -> None:
    other = Org()
    api.know(other.tenant)
    for branch in (other.branch, uuid.uuid4()):
        group = {"name": "G", "branch_id": str(branch), "starts_on": "2026-01-01"}
        refused_field(api.call("POST", f"{J}/groups", org.owner, json=group), "branch_id")
        room = {"name": "R", "branch_id": str(branch)}
        refused_field(api.call("POST", f"{J}/rooms", org.owner, json=room), "branch_id")
    refused_field(
        api.call(
            "POST",
            f"{J}/rooms",
            org.admin(org.branch),
            json={"name": "R", "branch_id": str(org.other_branch)},
        ),
        "branch_id",
    )
    group = api.group(org)
    moved = api.call(
        "PATCH",
        f"{J}/groups/{group['id']}",
        org.owner,
        json={"branch_id": str(other.branch)},
        headers={"If-Match": "1"},
    )
    refused_field(moved, "branch_id")


def test_teachers_named_in_bodies_and_their_rates_stay_in_scope(api: Api, org: Org) -> None:
    other = Org()
    theirs = api.teacher_of(other)
    body = {"name": "G", "branch_id": str(org.branch), "starts_on": "2026-01-01"}
    refused_field(
        api.call("POST", f"{J}/groups", org.owner, json=body | {"teacher_ids": [str(theirs)]}),
        "teacher_ids.0",
    )
    rate = {"effective_from": "2099-01-01", "per_lesson_minor": 100, "per_attendee_minor": 10}
    for teacher in (theirs, uuid.uuid4()):
        path = f"{J}/teachers/{teacher}/rates"
        assert api.call("POST", path, org.owner, json=rate).status_code == 404
        assert api.call("GET", path, org.owner).status_code == 404
    assert api.sql("SELECT 1 FROM pay_rates WHERE teacher_id = $1", theirs) == []
    # A teacher who works only in the other branch: their rates are not the admin's to read.
    away = api.group(org, branch_id=str(org.other_branch))
    far = api.teacher_of(org, None, away["id"])
    near = api.teacher_of(org)
    api.group(org, teacher_ids=[str(near)])
    for teacher in (far, near):
        api.ok("POST", f"{J}/teachers/{teacher}/rates", org.owner, 201, json=rate)
    admin, accountant = org.admin(org.branch), org.accountant()
    for caller in (admin, accountant):
        assert api.call("GET", f"{J}/teachers/{far}/rates", caller).status_code == 404
        assert len(api.ok("GET", f"{J}/teachers/{near}/rates", caller)["items"]) == 1


def test_a_room_of_a_branch_the_caller_does_not_see_answers_as_an_unknown_room(
    api: Api, org: Org
) -> None:
    other = Org()
    api.know(other.tenant)
    admin = org.admin(org.branch)
    group = api.group(org)
    away, foreign = api.room(org, org.other_branch), api.room(other)
    slot = {"weekday": 1, "starts_at": "10:00", "duration_minutes": 60}
    day = {"lesson_date": "2026-03-02", "starts_at": "10:00", "duration_minutes": 60}
    for room in (away["id"], foreign["id"], str(uuid.uuid4())):
        created = {"name": "G", "branch_id": str(org.branch), "starts_on": "2026-01-01"}
        for body, field in (
            (created | {"room_id": room}, "room_id"),
            (created | {"schedule": [slot | {"room_id": room}]}, "schedule.0.room_id"),
        ):
            refused = api.call("POST", f"{J}/groups", admin, json=body)
            refused_field(refused, field)
            assert refused.json()["errors"][0]["message"] == "no such room"
        moved = api.call(
            "PATCH",
            f"{J}/groups/{group['id']}",
            admin,
            json={"room_id": room},
            headers={"If-Match": str(group["version"])},
        )
        refused_field(moved, "room_id")
        lesson = api.call(
            "POST", f"{J}/groups/{group['id']}/lessons", admin, json=day | {"room_id": room}
        )
        refused_field(lesson, "room_id")
        assert lesson.json()["errors"][0]["message"] == "no such room"
    # The owner sees the other branch's room: it is there, only not this group's branch's.
    wrong = api.call(
        "POST", f"{J}/groups/{group['id']}/lessons", org.owner, json=day | {"room_id": away["id"]}
    )
    assert wrong.json()["errors"][0]["message"] == "the room is in another branch"


def test_a_transfer_goes_only_to_a_group_the_caller_sees(api: Api, org: Org) -> None:
    other = Org()
    api.know(other.tenant)
    admin = org.admin(org.branch)
    here = api.group(org)
    away = api.group(org, branch_id=str(org.other_branch))
    foreign = api.group(other)
    enrolment = api.enrol(org, here)
    path = f"{J}/groups/{here['id']}/enrolments/{enrolment['id']}/transfer"
    answers = []
    for target in (away["id"], foreign["id"], str(uuid.uuid4())):
        refused = api.call(
            "POST", path, admin, json={"to_group_id": target, "on_date": "2026-02-01"}
        )
        refused_field(refused, "to_group_id")
        answers.append(refused.json()["errors"])
    assert answers == [answers[0]] * 3
    assert (
        api.sql("SELECT until_date FROM enrolments WHERE group_id = $1", uuid.UUID(here["id"]))[0][
            "until_date"
        ]
        is None
    )
    moved = api.call(
        "POST", path, org.owner, json={"to_group_id": away["id"], "on_date": "2026-02-01"}
    )
    assert moved.status_code == 200, moved.text
