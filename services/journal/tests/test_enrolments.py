"""Enrolments: from/until, a full group refused, transfer in one step, archive, waitlist."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from .conftest import Api, J, Org


def enrolments(api: Api, org: Org, group: dict[str, Any]) -> list[dict[str, Any]]:
    return api.ok("GET", f"{J}/groups/{group['id']}/enrolments?limit=200", org.owner)["items"]  # type: ignore[no-any-return]


def test_an_enrolment_is_announced_and_a_double_one_refused(api: Api, org: Org) -> None:
    group = api.group(org)
    client = uuid.uuid4()
    enrolment = api.enrol(org, group, client, "2026-02-01", until_date="2026-05-31")
    assert (enrolment["from_date"], enrolment["until_date"]) == ("2026-02-01", "2026-05-31")
    [started] = api.events("journal.enrolment_started", enrolment["id"])
    assert started["data"] | {} == {
        "enrolment_id": enrolment["id"],
        "group_id": group["id"],
        "branch_id": str(org.branch),
        "client_id": str(client),
        "from_date": "2026-02-01",
        "until_date": "2026-05-31",
        "transferred_from": None,
    }
    again = api.call(
        "POST",
        f"{J}/groups/{group['id']}/enrolments",
        org.owner,
        json={"client_id": str(client), "from_date": "2026-05-01"},
    )
    assert again.status_code == 409
    api.enrol(org, group, client, "2026-06-01")  # after the first one ended: fine
    backwards = api.call(
        "POST",
        f"{J}/groups/{group['id']}/enrolments",
        org.owner,
        json={
            "client_id": str(api.client_of(org)),
            "from_date": "2026-05-01",
            "until_date": "2026-04-01",
        },
    )
    assert backwards.status_code == 422


def test_a_full_group_refuses_an_enrolment_and_points_to_the_waitlist(api: Api, org: Org) -> None:
    group = api.group(org, capacity=2)
    api.enrol(org, group)
    api.enrol(org, group)
    full = api.call(
        "POST",
        f"{J}/groups/{group['id']}/enrolments",
        org.owner,
        json={"client_id": str(api.client_of(org)), "from_date": "2026-03-01"},
    )
    assert full.status_code == 409
    assert full.json()["detail"] == "the group is full (2 seats); add the client to its waitlist"


def test_the_waitlist_offers_freed_seats_in_order(api: Api, org: Org) -> None:
    api.today(date(2026, 3, 1))
    group = api.group(org, capacity=1)
    seated = api.enrol(org, group, since="2026-02-01")
    first, second = api.client_of(org), api.client_of(org)
    path = f"{J}/groups/{group['id']}/waitlist"
    entry_a = api.ok(
        "POST", path, org.owner, 201, json={"client_id": str(first), "note": "Mon only"}
    )
    entry_b = api.ok("POST", path, org.owner, 201, json={"client_id": str(second)})
    twice = api.call("POST", path, org.owner, json={"client_id": str(first)})
    assert twice.status_code == 409
    accept_too_early = api.call("POST", f"{path}/{entry_a['id']}/accept", org.owner, json={})
    assert accept_too_early.status_code == 409

    api.ok(
        "POST",
        f"{J}/groups/{group['id']}/enrolments/{seated['id']}/archive",
        org.owner,
        json={"until_date": "2026-03-01"},
    )
    waiting = api.ok("GET", path, org.owner)["items"]
    assert [(w["client_id"], w["status"]) for w in waiting] == [
        (str(first), "offered"),
        (str(second), "waiting"),
    ]
    [offer] = api.events("journal.waitlist_seat_offered", entry_a["id"])
    assert offer["data"]["client_id"] == str(first)
    assert offer["data"]["group_name"] == group["name"]
    # The offered seat is held: nobody else can take it meanwhile.
    taken = api.call(
        "POST",
        f"{J}/groups/{group['id']}/enrolments",
        org.owner,
        json={"client_id": str(api.client_of(org)), "from_date": "2026-03-02"},
    )
    assert taken.status_code == 409
    # Declining passes the seat to the next client.
    declined = api.ok("POST", f"{path}/{entry_a['id']}/decline", org.owner)
    assert declined["status"] == "declined"
    enrolled = api.ok(
        "POST", f"{path}/{entry_b['id']}/accept", org.owner, 201, json={"from_date": "2026-03-02"}
    )
    assert enrolled["client_id"] == str(second)
    assert api.ok("GET", path, org.owner)["items"] == []


def test_a_group_with_a_free_seat_has_no_waitlist(api: Api, org: Org) -> None:
    group = api.group(org, capacity=3)
    response = api.call(
        "POST",
        f"{J}/groups/{group['id']}/waitlist",
        org.owner,
        json={"client_id": str(api.client_of(org))},
    )
    assert response.status_code == 409
    assert response.json()["detail"] == "the group has a free seat: enrol the client instead"


def test_a_transfer_ends_one_enrolment_and_starts_the_other_in_one_step(api: Api, org: Org) -> None:
    source = api.group(org)
    target = api.group(org, branch_id=str(org.other_branch), capacity=5)
    client = uuid.uuid4()
    enrolment = api.enrol(org, source, client, "2026-01-10")
    moved = api.ok(
        "POST",
        f"{J}/groups/{source['id']}/enrolments/{enrolment['id']}/transfer",
        org.owner,
        json={"to_group_id": target["id"], "on_date": "2026-03-01"},
    )
    ended, started = moved["ended"], moved["started"]
    assert (ended["until_date"], ended["end_reason"], ended["transferred_to"]) == (
        "2026-02-28",
        "transferred",
        started["id"],
    )
    assert (started["group_id"], started["from_date"], started["transferred_from"]) == (
        target["id"],
        "2026-03-01",
        enrolment["id"],
    )
    # History is kept on both sides.
    assert [e["id"] for e in enrolments(api, org, source)] == [enrolment["id"]]
    assert [e["id"] for e in enrolments(api, org, target)] == [started["id"]]
    [end_event] = api.events("journal.enrolment_ended", enrolment["id"])
    assert (end_event["data"]["reason"], end_event["data"]["transferred_to"]) == (
        "transferred",
        started["id"],
    )
    [start_event] = api.events("journal.enrolment_started", started["id"])
    assert start_event["data"]["branch_id"] == str(org.other_branch)


def test_a_transfer_to_an_unseen_or_full_group_changes_nothing(api: Api, org: Org) -> None:
    source = api.group(org)
    hidden = api.group(org, branch_id=str(org.other_branch))
    full = api.group(org, capacity=1)
    api.enrol(org, full)
    enrolment = api.enrol(org, source)
    admin = org.admin(org.branch)
    path = f"{J}/groups/{source['id']}/enrolments/{enrolment['id']}/transfer"
    unseen = api.call(
        "POST", path, admin, json={"to_group_id": hidden["id"], "on_date": "2026-03-01"}
    )
    assert unseen.status_code == 422
    assert unseen.json()["errors"] == [
        {"field": "to_group_id", "in": "body", "message": "no such group"}
    ]
    refused = api.call(
        "POST", path, org.owner, json={"to_group_id": full["id"], "on_date": "2026-03-01"}
    )
    assert refused.status_code == 409
    [kept] = enrolments(api, org, source)
    assert (kept["until_date"], kept["version"]) == (None, 1)


def test_archiving_refuses_while_later_marks_exist(api: Api, org: Org) -> None:
    api.today(date(2026, 3, 21))
    group = api.group(org)
    enrolment = api.enrol(org, group, since="2026-01-01")
    lesson = api.lesson(org, group, "2026-03-20")
    assert api.mark(org.owner, lesson, enrolment["client_id"], "attended").status_code == 200
    path = f"{J}/groups/{group['id']}/enrolments/{enrolment['id']}/archive"
    refused = api.call("POST", path, org.owner, json={"until_date": "2026-03-10"})
    assert refused.status_code == 409
    assert "2026-03-20" in refused.json()["detail"]
    done = api.ok("POST", path, org.owner, json={"until_date": "2026-03-31"})
    assert (done["until_date"], done["end_reason"]) == ("2026-03-31", "archived")
    assert api.call("POST", path, org.owner, json={"until_date": "2026-04-30"}).status_code == 409
    teacher = org.teacher(group["id"])
    assert api.call("POST", path, teacher, json={}).status_code == 403


def test_staff_offer_a_free_seat_to_a_waiting_client_and_a_full_group_refuses(
    api: Api, org: Org
) -> None:
    api.today(date(2026, 3, 1))
    open_group = api.group(org)  # no capacity: the list is kept by hand
    path = f"{J}/groups/{open_group['id']}/waitlist"
    first, second = api.client_of(org), api.client_of(org)
    api.ok("POST", path, org.owner, 201, json={"client_id": str(first)})
    entry = api.ok("POST", path, org.owner, 201, json={"client_id": str(second)})
    teacher = org.teacher(open_group["id"])
    assert api.call("POST", f"{path}/{entry['id']}/offer", teacher).status_code == 403
    offered = api.ok("POST", f"{path}/{entry['id']}/offer", org.owner)
    assert (offered["status"], offered["offered_at"] is not None) == ("offered", True)
    [event] = api.events("journal.waitlist_seat_offered", entry["id"])
    assert event["data"]["client_id"] == str(second)
    again = api.call("POST", f"{path}/{entry['id']}/offer", org.owner)
    assert (again.status_code, again.json()["detail"]) == (409, "the entry is already offered")
    listed = api.ok("GET", path, org.owner)["items"]
    assert [(w["client_id"], w["status"]) for w in listed] == [
        (str(first), "waiting"),
        (str(second), "offered"),
    ]

    full = api.group(org, capacity=1)
    api.enrol(org, full, since="2026-02-01")
    full_path = f"{J}/groups/{full['id']}/waitlist"
    waiting = api.ok("POST", full_path, org.owner, 201, json={"client_id": str(first)})
    refused = api.call("POST", f"{full_path}/{waiting['id']}/offer", org.owner)
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith("the group is full (1 seats): no seat to offer")
    other_org = Org()
    stranger = api.call("POST", f"{full_path}/{waiting['id']}/offer", other_org.owner)
    assert stranger.status_code == 404
    wrong_group = api.call("POST", f"{path}/{waiting['id']}/offer", org.owner)
    assert wrong_group.status_code == 404
