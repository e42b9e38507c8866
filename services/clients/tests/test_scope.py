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
        "duplicates"
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
