"""Branches, staff, roles and grants; tenant scoping; optimistic concurrency."""

from __future__ import annotations

import uuid
from typing import Any

from crm_platform.dev_keys import DEV_SEAL_PRIVATE_KEY
from crm_platform.sealing import Opener

from .conftest import SYSTEM, Api, staff_principal


def owner_of(api: Api) -> tuple[dict[str, Any], Any]:
    body = api.sign_up()
    return body, staff_principal(body["organisation"]["id"], body["owner"]["id"], "owner")


def test_owner_creates_a_teacher_with_a_group_grant_who_then_signs_in(api: Api) -> None:
    body, owner = owner_of(api)
    group = uuid.uuid4()
    email = f"teacher-{uuid.uuid4().hex[:6]}@school.example.com"
    created = api.call(
        "POST",
        "/api/v1/identity/staff",
        owner,
        json={
            "email": email,
            "name": "Tom Teacher",
            "role": "teacher",
            "finances_hidden": True,
            "grants": [{"scope": "group", "scope_id": str(group)}],
            "password": "teacher password",
        },
    )
    assert created.status_code == 201, created.text
    teacher = created.json()
    assert teacher["status"] == "active"
    assert teacher["grants"] == [{"scope": "group", "scope_id": str(group)}]
    access = [e for e in api.events("identity.access_changed") if e["subject"] == teacher["id"]]
    assert access[-1]["data"]["group_ids"] == [str(group)]
    assert access[-1]["data"]["finances_hidden"] is True
    signed_in = api.call(
        "POST", "/auth/token", json={"email": email, "password": "teacher password"}
    )
    assert signed_in.status_code == 200
    me = api.call(
        "GET",
        "/api/v1/identity/me",
        staff_principal(body["organisation"]["id"], teacher["id"], "teacher", groups={group}),
    )
    assert me.json()["email"] == email


def test_grants_must_fit_the_role_and_name_a_branch_of_this_organisation(api: Api) -> None:
    _, owner = owner_of(api)
    _, other_owner = owner_of(api)
    foreign_branch = api.call(
        "POST", "/api/v1/identity/branches", other_owner, json={"name": "Elsewhere"}
    ).json()
    response = api.call(
        "POST",
        "/api/v1/identity/staff",
        owner,
        json={
            "email": f"admin-{uuid.uuid4().hex[:6]}@school.example.com",
            "name": "Ann Admin",
            "role": "admin",
            "grants": [
                {"scope": "group", "scope_id": str(uuid.uuid4())},
                {"scope": "branch", "scope_id": foreign_branch["id"]},
            ],
        },
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {
        "grants.0.scope",
        "grants.1.scope_id",
    }
    assert api.sql("SELECT 1 FROM staff_users WHERE name = 'Ann Admin'") == []


def test_only_the_owner_manages_staff_and_branches(api: Api) -> None:
    body, _ = owner_of(api)
    teacher = staff_principal(body["organisation"]["id"], uuid.uuid4(), "teacher")
    admin = staff_principal(body["organisation"]["id"], uuid.uuid4(), "admin")
    for who in (teacher, admin):
        assert (
            api.call("POST", "/api/v1/identity/branches", who, json={"name": "X"}).status_code
            == 403
        )
        assert (
            api.call(
                "POST",
                "/api/v1/identity/staff",
                who,
                json={"email": "x@school.example.com", "name": "X", "role": "teacher"},
            ).status_code
            == 403
        )
    assert api.call("GET", "/api/v1/identity/staff", teacher).status_code == 403
    assert api.call("GET", "/api/v1/identity/staff", admin).status_code == 200


def test_another_organisations_staff_and_branches_are_404(api: Api) -> None:
    a, _ = owner_of(api)
    b, owner_b = owner_of(api)
    assert api.call("GET", f"/api/v1/identity/staff/{a['owner']['id']}", owner_b).status_code == 404
    assert (
        api.call("GET", f"/api/v1/identity/branches/{a['branch']['id']}", owner_b).status_code
        == 404
    )
    listed = api.call("GET", "/api/v1/identity/staff", owner_b).json()["items"]
    assert [s["id"] for s in listed] == [b["owner"]["id"]]
    branches = api.call("GET", "/api/v1/identity/branches", owner_b).json()["items"]
    assert [br["id"] for br in branches] == [b["branch"]["id"]]


def test_an_admin_sees_only_the_granted_branches(api: Api) -> None:
    body, owner = owner_of(api)
    second = api.call("POST", "/api/v1/identity/branches", owner, json={"name": "North"}).json()
    admin = staff_principal(
        body["organisation"]["id"], uuid.uuid4(), "admin", branches={uuid.UUID(second["id"])}
    )
    listed = api.call("GET", "/api/v1/identity/branches", admin).json()["items"]
    assert [b["id"] for b in listed] == [second["id"]]
    hidden = api.call("GET", f"/api/v1/identity/branches/{body['branch']['id']}", admin)
    assert hidden.status_code == 404


def test_updates_need_the_current_version(api: Api) -> None:
    body, owner = owner_of(api)
    path = f"/api/v1/identity/branches/{body['branch']['id']}"
    assert api.call("PATCH", path, owner, json={"name": "New"}).status_code == 428
    assert (
        api.call(
            "PATCH", path, owner, json={"name": "New"}, headers={"If-Match": '"7"'}
        ).status_code
        == 412
    )
    ok = api.call("PATCH", path, owner, json={"name": "New"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200
    assert ok.json()["version"] == 2
    assert ok.json()["name"] == "New"
    stale = api.call("PATCH", path, owner, json={"name": "Newer"}, headers={"If-Match": '"1"'})
    assert stale.status_code == 412


def test_invited_staff_set_their_password_from_the_link(api: Api) -> None:
    _, owner = owner_of(api)
    email = f"invited-{uuid.uuid4().hex[:6]}@school.example.com"
    created = api.call(
        "POST",
        "/api/v1/identity/staff",
        owner,
        json={"email": email, "name": "Ivy Invited", "role": "accountant"},
    ).json()
    assert created["status"] == "invited"
    assert (
        api.call(
            "POST", "/auth/token", json={"email": email, "password": "anything at all"}
        ).status_code
        == 401
    )
    (invite,) = [e for e in api.events("identity.staff_invited") if e["data"]["email"] == email]
    assert "invite_token" not in invite["data"]
    token = Opener(DEV_SEAL_PRIVATE_KEY).open("invite", invite["data"]["sealed_token"])
    accepted = api.call(
        "POST", "/auth/invites/accept", json={"token": token, "password": "my own password"}
    )
    assert accepted.status_code == 204
    assert (
        api.call(
            "POST", "/auth/token", json={"email": email, "password": "my own password"}
        ).status_code
        == 200
    )
    again = api.call(
        "POST", "/auth/invites/accept", json={"token": token, "password": "my own password"}
    )
    assert again.status_code == 400


def test_deactivated_staff_lose_their_sessions(api: Api) -> None:
    _, owner = owner_of(api)
    email = f"leaver-{uuid.uuid4().hex[:6]}@school.example.com"
    user = api.call(
        "POST",
        "/api/v1/identity/staff",
        owner,
        json={
            "email": email,
            "name": "Leo Leaver",
            "role": "teacher",
            "password": "leaver password",
        },
    ).json()
    tokens = api.call(
        "POST", "/auth/token", json={"email": email, "password": "leaver password"}
    ).json()
    assert (
        api.call("POST", f"/api/v1/identity/staff/{user['id']}/deactivate", owner).status_code
        == 200
    )
    assert (
        api.call(
            "POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        ).status_code
        == 401
    )
    assert (
        api.call(
            "POST", "/auth/token", json={"email": email, "password": "leaver password"}
        ).status_code
        == 401
    )
    (last,) = [e for e in api.events("identity.access_changed") if e["subject"] == user["id"]][-1:]
    assert last["data"]["status"] == "deactivated"


def test_gateway_reads_access_with_a_system_token_only(api: Api) -> None:
    body, owner = owner_of(api)
    path = f"/internal/v1/identity/access/{body['owner']['id']}"
    assert api.call("GET", path, owner).status_code == 404
    access = api.call("GET", path, SYSTEM)
    assert access.status_code == 200
    assert access.json()["organisation_wide"] is True
    assert access.json()["tenant_id"] == body["organisation"]["id"]


def test_gateway_locates_a_branch_with_a_system_token_only(api: Api) -> None:
    body, owner = owner_of(api)
    path = f"/internal/v1/identity/access/branches/{body['branch']['id']}"
    assert api.call("GET", path, owner).status_code == 404
    located = api.call("GET", path, SYSTEM).json()
    assert located == {
        "tenant_id": body["organisation"]["id"],
        "branch_ids": [body["branch"]["id"]],
        "group_ids": [],
    }
    missing = api.call("GET", f"/internal/v1/identity/access/branches/{uuid.uuid4()}", SYSTEM)
    assert missing.status_code == 404
