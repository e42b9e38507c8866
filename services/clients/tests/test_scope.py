"""Clients applies libs' scope rule to ids in bodies as well as to lists."""

from __future__ import annotations

import uuid

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
    client = api.client_of(org, branch_id=str(uuid.uuid4()))
    api.enrol(org, client["id"], group, branch=uuid.uuid4())
    teacher = staff(org.tenant_id, "teacher", groups={group})
    accountant = staff(org.tenant_id, "accountant", groups={group})
    assert api.call("GET", f"{CLIENTS}/{client['id']}", teacher).status_code == 200
    assert api.call("GET", f"{CLIENTS}/{client['id']}", accountant).status_code == 404
    assert api.call("GET", CLIENTS, accountant).json()["items"] == []
