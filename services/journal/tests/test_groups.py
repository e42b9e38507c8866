"""Groups, rooms and schedules: clashes refused, visibility, roles, versions, events."""

from __future__ import annotations

import uuid

from .conftest import SYSTEM, Api, J, Org, staff


def slot(weekday: int, at: str, minutes: int = 60, **extra: str) -> dict[str, object]:
    return {"weekday": weekday, "starts_at": at, "duration_minutes": minutes} | extra


def test_a_group_is_created_with_its_schedule_and_announced(api: Api, org: Org) -> None:
    room = api.room(org, capacity=12)
    teacher = str(uuid.uuid4())
    group = api.group(
        org,
        name="Piano juniors",
        programme="Piano",
        room_id=room["id"],
        capacity=8,
        teacher_ids=[teacher],
        age_min=6,
        age_max=9,
        schedule=[slot(1, "17:00", 45), slot(4, "17:30")],
        ends_on="2026-06-30",
    )
    assert group["schedule"][0] | {"id": None} == {
        "id": None,
        "weekday": 1,
        "starts_at": "17:00",
        "duration_minutes": 45,
        "room_id": room["id"],
        "teacher_id": teacher,
    }
    assert [s["starts_at"] for s in group["schedule"]] == ["17:00", "17:30"]
    assert api.ok("GET", f"{J}/groups/{group['id']}", org.owner) == group
    [created] = api.events("journal.group_created", group["id"])
    assert created["tenant_id"] == str(org.tenant)
    assert created["data"] | {} == {
        "group_id": group["id"],
        "branch_id": str(org.branch),
        "name": "Piano juniors",
        "capacity": 8,
        "programme": "Piano",
        "teacher_ids": [teacher],
    }


def test_a_room_clash_between_two_schedules_is_refused(api: Api, org: Org) -> None:
    room = api.room(org)
    api.group(org, room_id=room["id"], schedule=[slot(2, "18:00", 60)])
    response = api.call(
        "POST",
        f"{J}/groups",
        org.owner,
        json={
            "name": "Clashing",
            "branch_id": str(org.branch),
            "room_id": room["id"],
            "starts_on": "2026-02-01",
            "schedule": [slot(3, "18:00"), slot(2, "18:30", 30)],
        },
    )
    assert response.status_code == 409, response.text
    assert response.json()["errors"] == [
        {"field": "schedule.1", "in": "body", "message": "the room is taken on Tuesdays at 18:30"}
    ]
    assert api.sql("SELECT 1 FROM groups WHERE name = 'Clashing'") == []


def test_back_to_back_slots_and_separate_date_spans_do_not_clash(api: Api, org: Org) -> None:
    room = api.room(org)
    api.group(org, room_id=room["id"], schedule=[slot(2, "18:00", 60)], ends_on="2026-03-31")
    api.group(org, room_id=room["id"], schedule=[slot(2, "19:00", 60)])
    api.group(org, room_id=room["id"], schedule=[slot(2, "18:00", 60)], starts_on="2026-04-01")


def test_a_teacher_cannot_be_in_two_groups_at_once(api: Api, org: Org) -> None:
    teacher = str(uuid.uuid4())
    api.group(org, teacher_ids=[teacher], schedule=[slot(5, "10:00", 90)])
    response = api.call(
        "POST",
        f"{J}/groups",
        org.owner,
        json={
            "name": "Second",
            "branch_id": str(org.other_branch),
            "teacher_ids": [teacher],
            "starts_on": "2026-01-01",
            "schedule": [slot(5, "11:00", 60)],
        },
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["message"] == "the teacher is taken on Fridays at 11:00"


def test_bad_input_names_every_field(api: Api, org: Org) -> None:
    foreign_room = api.room(Org())
    response = api.call(
        "POST",
        f"{J}/groups",
        org.owner,
        json={
            "name": "",
            "branch_id": str(org.branch),
            "starts_on": "2026-01-01",
            "capacity": 0,
            "schedule": [{"weekday": 8, "starts_at": "25:00", "duration_minutes": 60}],
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert {"name", "capacity", "schedule.0.weekday", "schedule.0.starts_at"} <= fields
    unknown_room = api.call(
        "POST",
        f"{J}/groups",
        org.owner,
        json={
            "name": "X",
            "branch_id": str(org.branch),
            "starts_on": "2026-01-01",
            "room_id": foreign_room["id"],
        },
    )
    assert unknown_room.status_code == 422
    assert unknown_room.json()["errors"] == [
        {"field": "room_id", "in": "body", "message": "no such room"}
    ]
    late = api.call(
        "POST",
        f"{J}/groups",
        org.owner,
        json={
            "name": "Late",
            "branch_id": str(org.branch),
            "starts_on": "2026-01-01",
            "schedule": [slot(1, "23:30", 60)],
        },
    )
    assert late.json()["errors"][0]["field"] == "schedule.0.duration_minutes"


def test_each_role_sees_only_its_groups_and_another_organisation_sees_nothing(
    api: Api, org: Org
) -> None:
    here = api.group(org)
    there = api.group(org, branch_id=str(org.other_branch))
    teacher = org.teacher(here["id"])
    admin = org.admin(org.other_branch)
    stranger = Org()

    def listed(principal: object) -> set[str]:
        page = api.ok("GET", f"{J}/groups?limit=200", principal)
        return {g["id"] for g in page["items"]}

    assert {here["id"], there["id"]} <= listed(org.owner)
    assert listed(teacher) == {here["id"]}
    assert listed(admin) == {there["id"]}
    assert listed(stranger.owner) == set()
    assert api.call("GET", f"{J}/groups/{there['id']}", teacher).status_code == 404
    assert api.call("GET", f"{J}/groups/{here['id']}", admin).status_code == 404
    assert api.call("GET", f"{J}/groups/{here['id']}", stranger.owner).status_code == 404
    # A teacher's grant of another organisation's group id shows nothing either.
    spoof = staff(stranger.tenant, "teacher", groups=frozenset({uuid.UUID(here["id"])}))
    assert api.call("GET", f"{J}/groups/{here['id']}", spoof).status_code == 404
    assert listed(spoof) == set()


def test_only_owner_and_admin_change_groups(api: Api, org: Org) -> None:
    group = api.group(org)
    teacher = org.teacher(group["id"])
    body = {"name": "Renamed"}
    headers = {"If-Match": str(group["version"])}
    for principal in (teacher, org.accountant()):
        refused = api.call(
            "PATCH", f"{J}/groups/{group['id']}", principal, json=body, headers=headers
        )
        assert refused.status_code == 403
    created = api.call(
        "POST",
        f"{J}/groups",
        teacher,
        json={"name": "Mine", "branch_id": str(org.branch), "starts_on": "2026-01-01"},
    )
    assert created.status_code == 403
    admin_elsewhere = org.admin(org.other_branch)
    assert (
        api.call(
            "POST",
            f"{J}/groups",
            admin_elsewhere,
            json={"name": "Mine", "branch_id": str(org.branch), "starts_on": "2026-01-01"},
        ).status_code
        == 422
    )


def test_updates_need_the_current_version_and_announce_the_whole_state(api: Api, org: Org) -> None:
    group = api.group(org, capacity=10)
    path = f"{J}/groups/{group['id']}"
    assert api.call("PATCH", path, org.owner, json={"name": "B"}).status_code == 428
    stale = api.call("PATCH", path, org.owner, json={"name": "B"}, headers={"If-Match": "7"})
    assert stale.status_code == 412
    moved = api.ok(
        "PATCH",
        path,
        org.owner,
        json={"name": "B", "branch_id": str(org.other_branch), "archived": True},
        headers={"If-Match": f'"{group["version"]}"'},
    )
    assert (moved["name"], moved["branch_id"], moved["archived"], moved["version"]) == (
        "B",
        str(org.other_branch),
        True,
        2,
    )
    [updated] = api.events("journal.group_updated", group["id"])
    assert updated["data"]["branch_id"] == str(org.other_branch)
    assert updated["data"]["archived"] is True
    archived_list = api.ok("GET", f"{J}/groups?archived=true&limit=200", org.owner)["items"]
    assert group["id"] in {g["id"] for g in archived_list}
    active_list = api.ok("GET", f"{J}/groups?limit=200", org.owner)["items"]
    assert group["id"] not in {g["id"] for g in active_list}


def test_the_gateway_locates_groups_and_nobody_else_can_ask(api: Api, org: Org) -> None:
    group = api.group(org)
    where = api.ok("GET", f"/internal/v1/journal/access/groups/{group['id']}", SYSTEM)
    assert where == {
        "tenant_id": str(org.tenant),
        "branch_ids": [str(org.branch)],
        "group_ids": [group["id"]],
    }
    assert (
        api.call("GET", f"/internal/v1/journal/access/groups/{group['id']}", org.owner).status_code
        == 404
    )
    assert (
        api.call("GET", f"/internal/v1/journal/access/groups/{uuid.uuid4()}", SYSTEM).status_code
        == 404
    )
    lesson = api.lesson(org, group, "2026-03-02")
    located = api.ok("GET", f"/internal/v1/journal/access/lessons/{lesson['id']}", SYSTEM)
    assert located["group_ids"] == [group["id"]]
    assert api.client.get(f"/internal/v1/journal/access/groups/{group['id']}").status_code == 401


def test_rooms_belong_to_a_branch_and_the_make_up_window_is_set_by_the_owner(
    api: Api, org: Org
) -> None:
    room = api.room(org, capacity=10)
    other = api.room(org, org.other_branch)
    admin = org.admin()
    rooms = api.ok("GET", f"{J}/rooms?limit=200", admin)["items"]
    assert {r["id"] for r in rooms} == {room["id"]}
    assert {r["id"] for r in api.ok("GET", f"{J}/rooms?limit=200", org.owner)["items"]} == {
        room["id"],
        other["id"],
    }
    wrong_branch = api.call(
        "POST",
        f"{J}/groups",
        org.owner,
        json={
            "name": "W",
            "branch_id": str(org.branch),
            "starts_on": "2026-01-01",
            "room_id": other["id"],
        },
    )
    assert wrong_branch.json()["errors"][0]["message"] == "the room is in another branch"

    settings = api.ok("GET", f"{J}/settings", org.teacher())
    assert settings["makeup_days"] == 30
    assert (
        api.call(
            "PATCH", f"{J}/settings", admin, json={"makeup_days": 14}, headers={"If-Match": "1"}
        ).status_code
        == 403
    )
    changed = api.ok(
        "PATCH", f"{J}/settings", org.owner, json={"makeup_days": 14}, headers={"If-Match": "1"}
    )
    assert (changed["makeup_days"], changed["version"]) == (14, 2)
    assert api.ok("GET", f"{J}/settings", org.owner)["makeup_days"] == 14
