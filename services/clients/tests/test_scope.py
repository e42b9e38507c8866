"""Clients applies libs' scope rule to ids in bodies as well as to lists."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_platform.internal_auth import Principal

from .conftest import Api, staff

CLIENTS = "/api/v1/clients/clients"


def test_a_teacher_with_a_group_grant_creates_no_client_in_a_branch(api: Api) -> None:
    org = api.organisation()
    teacher = staff(org.tenant_id, "teacher", groups={uuid.uuid4()})
    for branch in (org.branch_id, uuid.uuid4()):
        refused = api.call(
            "POST",
            CLIENTS,
            teacher,
            json={"first_name": "Ola", "last_name": "Nowak", "branch_id": str(branch)},
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "branch_id"
    assert api.sql("SELECT id FROM clients WHERE tenant_id = $1", org.tenant_id) == []


def test_group_grants_count_for_teachers_only(api: Api) -> None:
    org = api.organisation()
    group = uuid.uuid4()
    client = api.client_of(org, branch_id=str(api.branch(org)))
    api.enrol(org, client["id"], group, branch=uuid.uuid4())
    teacher = staff(org.tenant_id, "teacher", groups={group})
    accountant = staff(org.tenant_id, "accountant", groups={group})
    assert api.call("GET", f"{CLIENTS}/{client['id']}", teacher).status_code == 200
    assert api.call("GET", f"{CLIENTS}/{client['id']}", accountant).status_code == 404
    assert api.call("GET", CLIENTS, accountant).json()["items"] == []


def test_branches_named_in_bodies_must_be_the_organisations_own(api: Api) -> None:
    org, other = api.organisation(), api.organisation()
    for branch in (other.branch_id, uuid.uuid4()):
        card = api.call(
            "POST",
            CLIENTS,
            org.owner,
            json={"first_name": "Ola", "last_name": "Nowak", "branch_id": str(branch)},
        )
        assert card.status_code == 422, card.text
        lead = api.call(
            "POST",
            "/api/v1/clients/leads",
            org.owner,
            json={"first_name": "Ola", "last_name": "Nowak", "branch_id": str(branch)},
        )
        assert lead.status_code == 422, lead.text
        assert lead.json()["errors"][0]["field"] == "branch_id"
    assert api.sql("SELECT 1 FROM leads WHERE tenant_id = $1", org.tenant_id) == []
    own = api.call(
        "POST",
        CLIENTS,
        org.owner,
        json={"first_name": "Ola", "last_name": "Nowak", "branch_id": str(org.branch_id)},
    )
    assert own.status_code == 201, own.text


def test_a_family_payer_is_one_the_caller_sees_and_an_unseen_one_is_never_named(
    api: Api,
) -> None:
    org = api.organisation()
    south = api.branch(org)
    mum = api.client_of(org, branch_id=str(org.branch_id))
    dad = api.client_of(org, first_name="Piotr", branch_id=str(south), phone="+48 605 000 111")
    family = f"{CLIENTS}/{mum['id']}/family"
    api.ok("POST", family, org.owner, json={"client_id": dad["id"]})
    admin = staff(org.tenant_id, "admin", branches={org.branch_id})
    refused = api.call("PUT", f"{family}/payer", admin, json={"client_id": dad["id"]})
    assert refused.status_code == 422, refused.text
    unknown = api.call("PUT", f"{family}/payer", admin, json={"client_id": str(uuid.uuid4())})
    assert refused.json() == unknown.json() | {"instance": refused.json()["instance"]}
    api.ok("PUT", f"{family}/payer", org.owner, json={"client_id": dad["id"]})
    seen = api.ok("GET", family, admin)
    assert seen["payer_client_id"] is None
    assert [m["id"] for m in seen["members"]] == [mum["id"]]
    # The duplicate check tells a branch admin that the number is taken, not whose it is.
    taken = api.ok("GET", f"{CLIENTS}/duplicates", admin, params={"phone": "+48 605 000 111"})[
        "items"
    ]
    assert taken == [{"field": "phone", "client_id": None, "name": None}]


def test_a_family_links_only_a_relative_the_caller_sees(api: Api) -> None:
    org, other = api.organisation(), api.organisation()
    south = api.branch(org)
    mum = api.client_of(org, branch_id=str(org.branch_id))
    dad = api.client_of(org, first_name="Piotr", branch_id=str(south), phone="+48 605 000 222")
    stranger = api.client_of(other, branch_id=str(other.branch_id), phone="+48 605 000 333")
    admin = staff(org.tenant_id, "admin", branches={org.branch_id})
    family = f"{CLIENTS}/{mum['id']}/family"
    answers = []
    for relative in (dad["id"], stranger["id"], str(uuid.uuid4())):
        refused = api.call("POST", family, admin, json={"client_id": relative})
        assert refused.status_code == 422, refused.text
        answers.append(refused.json()["errors"])
    assert answers == [[{"field": "client_id", "in": "body", "message": "no such client"}]] * 3
    assert api.sql("SELECT 1 FROM families WHERE tenant_id = $1", org.tenant_id) == []
    linked = api.ok("POST", family, org.owner, json={"client_id": dad["id"]})
    assert {m["id"] for m in linked["members"]} == {mum["id"], dad["id"]}


def _task(api: Api, caller: Principal, client_id: str, assignee: uuid.UUID) -> Any:
    body = {"title": "Call about the term", "due_date": "2026-02-01", "assignee_id": str(assignee)}
    return api.call("POST", f"{CLIENTS}/{client_id}/tasks", caller, json=body)


NO_SUCH_STAFF = [{"field": "assignee_id", "in": "body", "message": "no such staff member"}]


def test_a_task_is_given_only_to_staff_the_caller_sees(api: Api) -> None:
    org, other = api.organisation(), api.organisation()
    south = api.branch(org)
    client = api.client_of(org, branch_id=str(org.branch_id))
    admin_id = api.staff_member(org.tenant_id, "admin", branches={org.branch_id})
    admin = staff(org.tenant_id, "admin", branches={org.branch_id}, user=admin_id)
    main_teacher = api.staff_member(org.tenant_id, groups={api.group(org)})
    south_teacher = api.staff_member(org.tenant_id, groups={api.group(org, south)})
    south_admin = api.staff_member(org.tenant_id, "admin", branches={south})
    owner = api.staff_member(org.tenant_id, "owner")
    strangers_owner = api.staff_member(other.tenant_id, "owner")
    # Another organisation's user, an id nobody has, and colleagues working elsewhere get
    # the same answer, and nothing is written.
    for assignee in (strangers_owner, uuid.uuid4(), south_teacher, south_admin):
        refused = _task(api, admin, client["id"], assignee)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"] == NO_SUCH_STAFF
    assert api.sql("SELECT 1 FROM tasks WHERE client_id = $1", uuid.UUID(client["id"])) == []
    # Themself, staff of their branch (a teacher of one of its groups) and the owner.
    for assignee in (admin_id, main_teacher, owner):
        created = _task(api, admin, client["id"], assignee)
        assert created.status_code == 201, created.text
        assert created.json()["assignee_id"] == str(assignee)
    # The owner gives tasks to anyone of the organisation, no one of another.
    assert _task(api, org.owner, client["id"], south_teacher).status_code == 201
    assert _task(api, org.owner, client["id"], strangers_owner).status_code == 422
    # A change of assignee is checked the same way.
    task = _task(api, admin, client["id"], admin_id).json()
    path = f"{CLIENTS}/{client['id']}/tasks/{task['id']}"
    moved = api.call(
        "PATCH", path, admin, json={"assignee_id": str(south_teacher)}, headers={"If-Match": "1"}
    )
    assert moved.status_code == 422, moved.text
    assert moved.json()["errors"] == NO_SUCH_STAFF
    to_stranger = api.call(
        "PATCH", path, admin, json={"assignee_id": str(strangers_owner)}, headers={"If-Match": "1"}
    )
    assert to_stranger.json()["errors"] == NO_SUCH_STAFF
    moved = api.ok(
        "PATCH", path, admin, json={"assignee_id": str(main_teacher)}, headers={"If-Match": "1"}
    )
    assert moved["assignee_id"] == str(main_teacher)


def test_a_teacher_gives_tasks_to_those_working_in_their_groups(api: Api) -> None:
    org = api.organisation()
    group, next_door = api.group(org), api.group(org)
    client = api.client_of(org, branch_id=str(org.branch_id))
    api.enrol(org, client["id"], group)
    teacher_id = api.staff_member(org.tenant_id, groups={group})
    teacher = staff(org.tenant_id, "teacher", groups={group}, user=teacher_id)
    co_teacher = api.staff_member(org.tenant_id, groups={group})
    branch_admin = api.staff_member(org.tenant_id, "admin", branches={org.branch_id})
    owner = api.staff_member(org.tenant_id, "owner")
    for assignee in (teacher_id, co_teacher, branch_admin, owner):
        assert _task(api, teacher, client["id"], assignee).status_code == 201
    other_teacher = api.staff_member(org.tenant_id, groups={next_door})
    refused = _task(api, teacher, client["id"], other_teacher)
    assert refused.status_code == 422
    assert refused.json()["errors"] == NO_SUCH_STAFF


def test_staff_are_kept_from_identitys_events_and_a_deactivated_one_takes_no_task(
    api: Api,
) -> None:
    org, other = api.organisation(), api.organisation()
    client = api.client_of(org, branch_id=str(org.branch_id))
    now = datetime.now(UTC)
    # The caller themself is accepted before identity's event about them arrives.
    newcomer = uuid.uuid4()
    newcomer_admin = staff(org.tenant_id, "admin", branches={org.branch_id}, user=newcomer)
    assert _task(api, newcomer_admin, client["id"], newcomer).status_code == 201
    assert _task(api, org.owner, client["id"], newcomer).status_code == 422
    invited = api.staff_member(org.tenant_id, groups={api.group(org)}, status="invited", at=now)
    assert _task(api, org.owner, client["id"], invited).status_code == 201
    task = _task(api, org.owner, client["id"], invited).json()
    api.staff_member(org.tenant_id, status="deactivated", user=invited, at=now + timedelta(1))
    refused = _task(api, org.owner, client["id"], invited)
    assert refused.status_code == 422
    assert refused.json()["errors"] == NO_SUCH_STAFF
    # An older state delivered late, or the same id from another organisation, changes nothing.
    api.staff_member(org.tenant_id, status="active", user=invited, at=now - timedelta(1))
    api.staff_member(other.tenant_id, "owner", user=invited, at=now + timedelta(2))
    assert _task(api, org.owner, client["id"], invited).status_code == 422
    [row] = api.sql("SELECT tenant_id, status FROM staff_members WHERE user_id = $1", invited)
    assert (row["tenant_id"], row["status"]) == (org.tenant_id, "deactivated")
    # Their open tasks can still be finished or handed to someone else.
    path = f"{CLIENTS}/{client['id']}/tasks/{task['id']}"
    done = api.ok(
        "PATCH",
        path,
        org.owner,
        json={"status": "done", "assignee_id": str(invited)},
        headers={"If-Match": "1"},
    )
    assert (done["status"], done["assignee_id"]) == ("done", str(invited))
    # Active again (identity's newest word): tasks may be given again.
    api.staff_member(org.tenant_id, status="active", user=invited, at=now + timedelta(3))
    assert _task(api, org.owner, client["id"], invited).status_code == 201
