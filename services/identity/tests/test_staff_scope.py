"""A branch admin reads the staff who work in their branches, with the grants there; the
owner reads everyone. Groups are placed in branches from the journal's events."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.journal import GroupCreated

from .conftest import Api, staff_principal

STAFF = "/api/v1/identity/staff"


def deliver_group(api: Api, tenant: str, group: uuid.UUID, branch: str) -> None:
    payload = GroupCreated(group_id=group, branch_id=uuid.UUID(branch), name="G", capacity=None)
    envelope = EventEnvelope(
        type=payload.event_type,
        version=payload.event_version,
        source="journal",
        tenant_id=uuid.UUID(tenant),
        subject=str(group),
        time=datetime.now(UTC),
        data=payload.model_dump(mode="json"),
    )
    inbox = api.client.app.state.components[0].inbox  # type: ignore[attr-defined]
    api.client.portal.call(inbox.handle_batch, [envelope])  # type: ignore[union-attr]


def test_a_branch_admin_reads_only_the_staff_of_their_branches(api: Api) -> None:
    body = api.sign_up()
    tenant, centre = body["organisation"]["id"], body["branch"]["id"]
    owner = staff_principal(tenant, body["owner"]["id"], "owner")
    north = api.call("POST", "/api/v1/identity/branches", owner, json={"name": "North"}).json()
    here, there = uuid.uuid4(), uuid.uuid4()
    deliver_group(api, tenant, here, centre)
    deliver_group(api, tenant, there, north["id"])

    def add(role: str, grants: list[dict[str, str]]) -> dict[str, Any]:
        created = api.call(
            "POST",
            STAFF,
            owner,
            json={
                "email": f"{role}-{uuid.uuid4().hex[:6]}@school.example.com",
                "name": role,
                "role": role,
                "grants": grants,
                "password": "a long password",
            },
        )
        assert created.status_code == 201, created.text
        result: dict[str, Any] = created.json()
        return result

    admin = add("admin", [{"scope": "branch", "scope_id": centre}])
    teacher_here = add(
        "teacher",
        [{"scope": "group", "scope_id": str(here)}, {"scope": "group", "scope_id": str(there)}],
    )
    teacher_there = add("teacher", [{"scope": "group", "scope_id": str(there)}])
    admin_there = add("admin", [{"scope": "branch", "scope_id": north["id"]}])
    as_admin = staff_principal(tenant, admin["id"], "admin", branches={uuid.UUID(centre)})

    listed = api.call("GET", STAFF, as_admin)
    assert listed.status_code == 200, listed.text
    seen = {s["id"]: s for s in listed.json()["items"]}
    assert set(seen) == {body["owner"]["id"], admin["id"], teacher_here["id"]}
    # Of a teacher working in both branches, only the grant in the admin's branch shows.
    assert seen[teacher_here["id"]]["grants"] == [{"scope": "group", "scope_id": str(here)}]
    for hidden in (teacher_there, admin_there):
        assert api.call("GET", f"{STAFF}/{hidden['id']}", as_admin).status_code == 404
    assert api.call("GET", f"{STAFF}/{teacher_here['id']}", as_admin).status_code == 200
    everyone = api.call("GET", STAFF, owner).json()["items"]
    assert len(everyone) == 5
    full = next(s for s in everyone if s["id"] == teacher_here["id"])
    assert len(full["grants"]) == 2
