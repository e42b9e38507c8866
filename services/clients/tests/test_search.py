"""Search by name, phone (any format) and email; filters; cursor pages; and who sees what:
the scope is applied in SQL, and an invisible or foreign client is 404."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from crm_contracts.events.billing import BalanceChanged
from crm_contracts.events.journal import EnrolmentEnded

from .conftest import SYSTEM, Api, Org, staff

CLIENTS = "/api/v1/clients/clients"


def names(page: dict[str, Any]) -> list[str]:
    return [f"{c['first_name']} {c['last_name']}" for c in page["items"]]


def search(api: Api, who: Any, **params: Any) -> dict[str, Any]:
    result: dict[str, Any] = api.ok("GET", CLIENTS, who, params=params)
    return result


def world(api: Api) -> tuple[Org, dict[str, dict[str, Any]]]:
    org = api.organisation()
    made = {
        "zofia": api.client_of(
            org,
            first_name="Zofia",
            last_name="Kowalska",
            phone="601 234 567",
            email="zofia@example.com",
        ),
        "jan": api.client_of(org, first_name="Jan", last_name="Kowalski", phone="+7 916 123 45 67"),
        "olga": api.client_of(
            org, first_name="Ольга", last_name="Смирнова", email="olga@example.org"
        ),
        "piotr": api.client_of(org, first_name="Piotr", last_name="Wiśniewski"),
    }
    return org, made


def test_search_by_name_part_phone_in_any_format_and_email(api: Api) -> None:
    org, _ = world(api)
    assert names(search(api, org.owner, q="kowal")) == ["Zofia Kowalska", "Jan Kowalski"]
    assert names(search(api, org.owner, q="ZOF kowal")) == ["Zofia Kowalska"]
    assert names(search(api, org.owner, q="ольга")) == ["Ольга Смирнова"]
    assert names(search(api, org.owner, q="WIŚNIEW")) == ["Piotr Wiśniewski"]
    for typed in ("601234567", "+48 601-234-567", "0048 601 234 567", "0 601 234", "(601) 234"):
        assert names(search(api, org.owner, q=typed)) == ["Zofia Kowalska"], typed
    assert names(search(api, org.owner, q="8 (916) 123-45-67")) == []  # not a Polish number
    assert names(search(api, org.owner, q="+7 (916) 123-45-67")) == ["Jan Kowalski"]
    assert names(search(api, org.owner, q="olga@example")) == ["Ольга Смирнова"]
    assert names(search(api, org.owner, q="100%")) == []
    other = api.organisation()
    assert search(api, other.owner, q="kowal")["items"] == []


def test_pages_follow_the_cursor_without_gaps_or_repeats(api: Api) -> None:
    org = api.organisation()
    made = [api.client_of(org, first_name=f"P{i:02d}")["id"] for i in range(7)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = search(api, org.owner, **params)
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made
    assert pages == 3
    bad = api.call("GET", CLIENTS, org.owner, params={"cursor": "!!"})
    assert bad.status_code == 422


def test_filters_by_status_tags_branch_group_and_balance(api: Api) -> None:
    org, made = world(api)
    piano = api.ok("POST", "/api/v1/clients/tags", org.owner, json={"name": "piano"})["id"]
    kids = api.ok("POST", "/api/v1/clients/tags", org.owner, json={"name": "kids"})["id"]
    api.ok(
        "PUT", f"{CLIENTS}/{made['zofia']['id']}/tags", org.owner, json={"tag_ids": [piano, kids]}
    )
    api.ok("PUT", f"{CLIENTS}/{made['jan']['id']}/tags", org.owner, json={"tag_ids": [piano]})
    assert names(search(api, org.owner, tag_id=[piano, kids])) == ["Zofia Kowalska", "Jan Kowalski"]
    assert names(search(api, org.owner, tag_id=[piano, kids], tag_mode="all")) == ["Zofia Kowalska"]
    unknown = api.call("GET", CLIENTS, org.owner, params={"tag_id": str(uuid.uuid4())})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["field"] == "tag_id"

    api.ok("POST", f"{CLIENTS}/{made['piotr']['id']}/archive", org.owner)
    api.ok(
        "POST",
        f"{CLIENTS}/{made['olga']['id']}/freeze",
        org.owner,
        json={"until_date": str(date.today() + timedelta(days=30)), "reason": "holiday"},
    )
    assert "Piotr Wiśniewski" not in names(search(api, org.owner))
    assert names(search(api, org.owner, status="archived")) == ["Piotr Wiśniewski"]
    assert names(search(api, org.owner, status="frozen")) == ["Ольга Смирнова"]

    north, group = api.branch(org), uuid.uuid4()
    api.enrol(org, made["jan"]["id"], group, branch=north)
    assert names(search(api, org.owner, group_id=str(group))) == ["Jan Kowalski"]
    assert names(search(api, org.owner, branch_id=str(north))) == ["Jan Kowalski"]
    api.ok(
        "PATCH",
        f"{CLIENTS}/{made['zofia']['id']}",
        org.owner,
        json={"branch_id": str(north)},
        headers={"If-Match": "2"},
    )
    assert names(search(api, org.owner, branch_id=str(north))) == ["Zofia Kowalska", "Jan Kowalski"]

    api.deliver(
        api.envelope(
            BalanceChanged(
                client_id=uuid.UUID(made["zofia"]["id"]), balance_minor=-5000, currency="PLN"
            ),
            org.tenant_id,
            made["zofia"]["id"],
        ),
        api.envelope(
            BalanceChanged(
                client_id=uuid.UUID(made["jan"]["id"]), balance_minor=1200, currency="PLN"
            ),
            org.tenant_id,
            made["jan"]["id"],
        ),
    )
    assert names(search(api, org.owner, balance="negative")) == ["Zofia Kowalska"]
    assert names(search(api, org.owner, balance="positive")) == ["Jan Kowalski"]
    assert names(search(api, org.owner, balance="zero")) == ["Ольга Смирнова"]
    card = api.ok("GET", f"{CLIENTS}/{made['zofia']['id']}", org.owner)
    assert (card["balance_minor"], card["balance_currency"]) == (-5000, "PLN")
    hidden = staff(org.tenant_id, "teacher", groups={group}, finances_hidden=True)
    assert api.ok("GET", f"{CLIENTS}/{made['jan']['id']}", hidden)["balance_minor"] is None
    assert api.call("GET", CLIENTS, hidden, params={"balance": "negative"}).status_code == 403


def test_a_teacher_sees_only_clients_of_the_granted_groups(api: Api) -> None:
    org, made = world(api)
    mine, theirs = api.branch(org), api.branch(org)
    api.enrol(org, made["zofia"]["id"], mine)
    api.enrol(org, made["jan"]["id"], theirs)
    teacher = staff(org.tenant_id, "teacher", groups={mine})
    assert names(search(api, teacher)) == ["Zofia Kowalska"]
    assert names(search(api, teacher, q="kowal")) == ["Zofia Kowalska"]
    assert names(search(api, teacher, group_id=str(theirs))) == []
    assert api.call("GET", f"{CLIENTS}/{made['zofia']['id']}", teacher).status_code == 200
    for path in ("", "/history", "/family", "/tasks", "/link"):
        response = api.call("GET", f"{CLIENTS}/{made['jan']['id']}{path}", teacher)
        assert response.status_code == 404, path
    refused = api.call(
        "PATCH",
        f"{CLIENTS}/{made['jan']['id']}",
        teacher,
        json={"note": "x"},
        headers={"If-Match": "1"},
    )
    assert refused.status_code == 404
    assert api.call("POST", f"{CLIENTS}/{made['jan']['id']}/archive", teacher).status_code == 404
    export = api.call("GET", "/api/v1/clients/export", teacher)
    assert export.status_code == 403

    # The enrolment ends: the pupil is no longer the teacher's.
    membership = api.sql(
        "SELECT enrolment_id FROM memberships WHERE client_id = $1",
        uuid.UUID(made["zofia"]["id"]),
    )[0]["enrolment_id"]
    api.deliver(
        api.envelope(
            EnrolmentEnded(
                enrolment_id=membership,
                group_id=mine,
                branch_id=org.branch_id,
                client_id=uuid.UUID(made["zofia"]["id"]),
                until_date=date(2026, 1, 31),
            ),
            org.tenant_id,
            made["zofia"]["id"],
        )
    )
    assert search(api, teacher)["items"] == []
    assert api.call("GET", f"{CLIENTS}/{made['zofia']['id']}", teacher).status_code == 404


def test_an_admin_sees_the_home_branch_and_the_groups_branches(api: Api) -> None:
    org = api.organisation()
    north, south = api.branch(org), api.branch(org)
    api.client_of(org, first_name="Home", branch_id=str(north))
    via_group = api.client_of(org, first_name="Group", branch_id=str(south))
    elsewhere = api.client_of(org, first_name="Else", branch_id=str(south))
    api.enrol(org, via_group["id"], uuid.uuid4(), branch=north)
    admin = staff(org.tenant_id, "admin", branches={north})
    assert [c["first_name"] for c in search(api, admin)["items"]] == ["Home", "Group"]
    assert api.call("GET", f"{CLIENTS}/{elsewhere['id']}", admin).status_code == 404
    nobody = staff(org.tenant_id, "teacher")
    assert search(api, nobody)["items"] == []


def test_another_organisations_client_is_404_everywhere(api: Api) -> None:
    a, made = world(api)
    b = api.organisation()
    client = made["zofia"]["id"]
    for method, path, body in [
        ("GET", f"{CLIENTS}/{client}", None),
        ("PATCH", f"{CLIENTS}/{client}", {"note": "x"}),
        ("POST", f"{CLIENTS}/{client}/freeze", {"until_date": "2099-01-01", "reason": "r"}),
        ("POST", f"{CLIENTS}/{client}/archive", None),
        ("PUT", f"{CLIENTS}/{client}/tags", {"tag_ids": []}),
        ("GET", f"{CLIENTS}/{client}/history", None),
        ("POST", f"{CLIENTS}/{client}/family", {"client_id": str(uuid.uuid4())}),
        ("POST", f"{CLIENTS}/{client}/link", None),
        ("POST", f"{CLIENTS}/{client}/tasks", {"title": "t", "due_date": "2026-01-01"}),
    ]:
        response = api.call(method, path, b.owner, json=body, headers={"If-Match": "1"})
        assert response.status_code == 404, (method, path, response.text)
    assert api.ok("GET", f"{CLIENTS}/{client}", a.owner)["version"] == 1


def test_the_gateway_locates_a_client_by_home_branch_and_current_groups(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, branch_id=str(org.branch_id))
    group, north = uuid.uuid4(), api.branch(org)
    api.enrol(org, client["id"], group, branch=north)
    path = f"/internal/v1/clients/access/clients/{client['id']}"
    located = api.ok("GET", path, SYSTEM)
    assert located == {
        "tenant_id": str(org.tenant_id),
        "branch_ids": sorted([str(org.branch_id), str(north)]),
        "group_ids": [str(group)],
    }
    assert api.call("GET", path, org.owner).status_code == 404
    assert (
        api.call("GET", f"/internal/v1/clients/access/clients/{uuid.uuid4()}", SYSTEM).status_code
        == 404
    )


def test_a_teachers_pupils_come_in_pages_and_a_group_filter_pages_too(api: Api) -> None:
    org = api.organisation()
    group, other_group = uuid.uuid4(), uuid.uuid4()
    pupils = [api.client_of(org, first_name=f"Pupil{i}")["id"] for i in range(5)]
    for pupil in pupils:
        api.enrol(org, pupil, group)
    api.enrol(org, api.client_of(org, first_name="Other")["id"], other_group)
    teacher = staff(org.tenant_id, "teacher", groups={group})
    for who, params in ((teacher, {}), (org.owner, {"group_id": str(group)})):
        seen: list[str] = []
        cursor = None
        while True:
            page = search(api, who, limit=2, **params, **({"cursor": cursor} if cursor else {}))
            seen += [c["id"] for c in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == pupils
    assert names(search(api, teacher, q="pupil3")) == ["Pupil3 Nowak"]
