"""Billing applies libs' scope rule: lists show only what the caller's branches reach, and a
caller who is not staff gets the same 404 as everywhere else."""

from __future__ import annotations

import uuid
from typing import Any

from crm_contracts.events.clients import ClientRegistered
from crm_contracts.events.identity import BranchCreated
from crm_contracts.events.journal import GroupCreated
from crm_platform.internal_auth import Principal

from .conftest import Api, staff


def _client(api: Api, tenant: uuid.UUID, branch: uuid.UUID) -> uuid.UUID:
    client = uuid.uuid4()
    api.deliver(
        tenant,
        ClientRegistered(client_id=client, first_name="A", last_name="B", branch_id=branch),
        source="clients",
    )
    return client


def _invoice(api: Api, owner: Principal, client: uuid.UUID) -> str:
    created = api.call(
        "POST",
        f"/clients/{client}/invoices",
        owner,
        json={"amount_minor": 5000, "due_on": "2030-01-01", "description": "January"},
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_the_invoice_list_shows_a_branch_accountant_only_their_branch(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    north, south = uuid.uuid4(), uuid.uuid4()
    mine = _invoice(api, owner, _client(api, tenant, north))
    theirs = _invoice(api, owner, _client(api, tenant, south))
    for role in ("accountant", "admin"):
        caller = staff(tenant, role, branch_ids=frozenset({north}))
        listed = api.call("GET", "/invoices", caller)
        assert listed.status_code == 200, listed.text
        assert [i["id"] for i in listed.json()["items"]] == [mine], role
    everything = api.call("GET", "/invoices", owner).json()["items"]
    assert {i["id"] for i in everything} == {mine, theirs}


def test_a_caller_who_is_not_staff_gets_404_as_elsewhere(api: Api) -> None:
    tenant = api.organisation()
    portal = Principal(tenant_id=tenant, subject="c", realm="portal")
    for path in ("/invoices", "/catalogue", f"/clients/{uuid.uuid4()}/balance", "/settings"):
        assert api.call("GET", path, portal).status_code == 404, path


def test_a_pack_moves_only_to_a_client_the_caller_sees(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    north, south = uuid.uuid4(), uuid.uuid4()
    giver = _client(api, tenant, north)
    service = api.service(owner)
    pack = api.sell(owner, giver, service_id=service["id"], payment_mode="none")
    admin = staff(tenant, "admin", branch_ids=frozenset({north}))
    move = f"/clients/{giver}/packs/{pack['id']}/transfer"
    answers = []
    for receiver in (_client(api, tenant, south), uuid.uuid4()):
        refused = api.write(move, admin, {"to_client_id": str(receiver), "classes": 1})
        assert refused.status_code == 422, refused.text
        answers.append(refused.json()["errors"])
    assert answers[0] == answers[1]
    moved = api.write(move, admin, {"to_client_id": str(_client(api, tenant, north)), "classes": 1})
    assert moved.status_code == 200, moved.text


def _branch(api: Api, tenant: uuid.UUID) -> uuid.UUID:
    branch = uuid.uuid4()
    api.deliver(tenant, BranchCreated(branch_id=branch, name="Branch"), source="identity")
    return branch


def _group(api: Api, tenant: uuid.UUID, branch: uuid.UUID) -> uuid.UUID:
    group = uuid.uuid4()
    api.deliver(
        tenant, GroupCreated(group_id=group, branch_id=branch, name="Group"), source="journal"
    )
    return group


def test_a_pack_is_sold_only_for_a_branch_and_group_the_caller_sees(api: Api) -> None:
    tenant, other = api.organisation(), api.organisation()
    owner = staff(tenant)
    north, south, foreign = _branch(api, tenant), _branch(api, tenant), _branch(api, other)
    north_group, south_group = _group(api, tenant, north), _group(api, tenant, south)
    foreign_group = _group(api, other, foreign)
    client = _client(api, tenant, north)
    service = api.service(owner)["id"]
    admin = staff(tenant, "admin", branch_ids=frozenset({north}))
    sale = f"/clients/{client}/packs"
    body = {"service_id": service, "payment_mode": "none"}
    for field, unseen, foreign_id in (
        ("branch_id", south, foreign),
        ("group_id", south_group, foreign_group),
    ):
        answers = []
        for caller, named in ((admin, unseen), (admin, uuid.uuid4()), (owner, foreign_id)):
            refused = api.write(sale, caller, body | {field: str(named)})
            assert refused.status_code == 422, refused.text
            answers.append(refused.json()["errors"])
        assert answers == [[{"field": field, "in": "body", "message": "no such " + field[:-3]}]] * 3
    # Nothing sold, so the other branch's accountant reads no pack of this client.
    south_accountant = staff(tenant, "accountant", branch_ids=frozenset({south}))
    assert api.call("GET", "/reports/packs", south_accountant).json()["items"] == []
    assert api.sql("SELECT 1 FROM packs WHERE tenant_id = $1", tenant) == []
    api.sell(admin, client, **body, branch_id=str(north), group_id=str(north_group))
    sold = api.sell(owner, client, **body, branch_id=str(south), group_id=str(south_group))
    assert sold["group_id"] == str(south_group)  # the group it was sold for, as read
    (row,) = api.call("GET", "/reports/packs", south_accountant).json()["items"]
    assert row["group_id"] == str(south_group)


def test_a_payment_is_allocated_only_to_its_own_clients_invoices(api: Api) -> None:
    tenant, other = api.organisation(), api.organisation()
    owner = staff(tenant)
    north, south = uuid.uuid4(), uuid.uuid4()
    payer = _client(api, tenant, north)
    own = _invoice(api, owner, payer)
    unseen = _invoice(api, owner, _client(api, tenant, south))
    sibling = _invoice(api, owner, _client(api, tenant, north))  # seen, but not the payer's
    foreign = _invoice(api, staff(other), _client(api, other, uuid.uuid4()))
    admin = staff(tenant, "admin", branch_ids=frozenset({north}))
    answers = []
    for invoice in (unseen, sibling, foreign, str(uuid.uuid4())):
        body = {
            "amount_minor": 5000,
            "method": "cash",
            "allocations": [{"invoice_id": invoice, "amount_minor": 5000}],
        }
        refused = api.write(f"/clients/{payer}/payments", admin, body)
        assert refused.status_code == 422, refused.text
        answers.append(refused.json()["errors"])
    assert answers == [answers[0]] * 4
    assert answers[0][0]["field"] == "allocations.0"
    assert api.balance(owner, payer) == 0
    paid = api.write(
        f"/clients/{payer}/payments",
        admin,
        {
            "amount_minor": 5000,
            "method": "cash",
            "allocations": [{"invoice_id": own, "amount_minor": 5000}],
        },
    )
    assert paid.status_code == 201, paid.text


def test_a_shared_pack_is_shared_only_with_clients_the_caller_sees(api: Api) -> None:
    tenant, other = api.organisation(), api.organisation()
    owner = staff(tenant)
    north, south = uuid.uuid4(), uuid.uuid4()
    client, sibling = _client(api, tenant, north), _client(api, tenant, north)
    service = api.service(owner, shared=True)["id"]
    admin = staff(tenant, "admin", branch_ids=frozenset({north}))
    body = {"service_id": service, "payment_mode": "none"}
    answers = []
    for member in (_client(api, tenant, south), _client(api, other, north), uuid.uuid4()):
        refused = api.write(f"/clients/{client}/packs", admin, body | {"members": [str(member)]})
        assert refused.status_code == 422, refused.text
        answers.append(refused.json()["errors"])
    assert answers == [[{"field": "members.0", "in": "body", "message": "no such client"}]] * 3
    assert api.sql("SELECT 1 FROM packs WHERE tenant_id = $1", tenant) == []
    shared = api.sell(admin, client, **body, members=[str(sibling)])
    assert shared["members"] == [str(client), str(sibling)]


def _patch(api: Api, caller: Principal, service: dict[str, Any], body: dict[str, Any]) -> Any:
    """A catalogue update at the service's current version."""
    headers = {"If-Match": str(service["version"])}
    return api.call("PATCH", f"/catalogue/{service['id']}", caller, json=body, headers=headers)


def test_a_catalogue_service_names_only_branches_and_groups_the_caller_sees(api: Api) -> None:
    tenant, other = api.organisation(), api.organisation()
    owner = staff(tenant)
    north, south, foreign = _branch(api, tenant), _branch(api, tenant), _branch(api, other)
    north_group, south_group = _group(api, tenant, north), _group(api, tenant, south)
    foreign_group = _group(api, other, foreign)
    admin = staff(tenant, "admin", branch_ids=frozenset({north}))
    base = {"kind": "pack", "name": "Piano x 4", "price_minor": 1000, "classes": 4}
    base |= {"period": {"unit": "month", "count": 1}}
    template = api.service(owner)
    for field, own, unseen, foreign_id in (
        ("branch_ids", north, south, foreign),
        ("group_ids", north_group, south_group, foreign_group),
    ):
        expected = [{"field": f"{field}.1", "in": "body", "message": "no such " + field[:-4]}]
        for caller, named in ((admin, unseen), (admin, uuid.uuid4()), (owner, foreign_id)):
            ids = [str(own), str(named)]
            refused = api.call("POST", "/catalogue", caller, json=base | {field: ids})
            assert refused.status_code == 422, refused.text
            assert refused.json()["errors"] == expected
            changed = _patch(api, caller, template, {field: ids})
            assert changed.status_code == 422, changed.text
            assert changed.json()["errors"] == expected
    assert [s["id"] for s in api.call("GET", "/catalogue", owner).json()["items"]] == [
        template["id"]
    ]
    mine = api.service(admin, branch_ids=[str(north)], group_ids=[str(north_group)])
    assert (mine["branch_ids"], mine["group_ids"]) == ([str(north)], [str(north_group)])
    # The catalogue is the organisation's: a branch admin edits a service that also names
    # another branch, keeping what it names, but adds no branch they do not see.
    both = api.service(owner, branch_ids=[str(north), str(south)])
    kept = _patch(api, admin, both, {"branch_ids": [str(north), str(south)], "price_minor": 9})
    assert kept.status_code == 200, kept.text
    assert kept.json()["branch_ids"] == [str(north), str(south)]
    widened = _patch(api, admin, mine, {"branch_ids": [str(north), str(south)]})
    assert widened.status_code == 422, widened.text
    assert widened.json()["errors"][0]["field"] == "branch_ids.1"
