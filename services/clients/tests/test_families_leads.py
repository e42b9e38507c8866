"""Families (link, unlink, a new member from the family, the payer) and leads (pipeline,
conversion that keeps the history, portal sign-ups of unknown people)."""

from __future__ import annotations

import uuid

from crm_platform.internal_auth import Principal

from .conftest import SYSTEM, Api, staff

CLIENTS = "/api/v1/clients/clients"
LEADS = "/api/v1/clients/leads"


def test_a_family_links_cards_with_different_surnames_and_has_one_payer(api: Api) -> None:
    org = api.organisation()
    mum = api.client_of(org, first_name="Maria", last_name="Nowak")
    son = api.client_of(org, first_name="Jaś", last_name="Kowalski")
    family = api.ok(
        "POST", f"{CLIENTS}/{mum['id']}/family", org.owner, json={"client_id": son["id"]}
    )
    assert [m["first_name"] for m in family["members"]] == ["Maria", "Jaś"]
    daughter = api.ok(
        "POST",
        f"{CLIENTS}/{son['id']}/family",
        org.owner,
        json={
            "new_client": {"first_name": "Ola", "last_name": "Kowalska", "birthday": "2018-03-01"}
        },
    )
    assert [m["first_name"] for m in daughter["members"]] == ["Maria", "Jaś", "Ola"]
    assert daughter["family_id"] == family["family_id"]
    payer = api.ok(
        "PUT", f"{CLIENTS}/{son['id']}/family/payer", org.owner, json={"client_id": mum["id"]}
    )
    assert payer["payer_client_id"] == mum["id"]
    assert [m["is_payer"] for m in payer["members"]] == [True, False, False]
    view = api.ok("GET", f"{CLIENTS}/{daughter['members'][2]['id']}/family", org.owner)
    assert view == payer
    changed = api.events("clients.family_changed", family["family_id"])
    assert changed[-1]["data"]["payer_client_id"] == mum["id"]
    assert len(changed[-1]["data"]["member_ids"]) == 3
    assert api.ok("GET", f"{CLIENTS}/{son['id']}", org.owner)["family_id"] == family["family_id"]

    stranger = api.client_of(org, first_name="Obcy")
    not_member = api.call(
        "PUT", f"{CLIENTS}/{mum['id']}/family/payer", org.owner, json={"client_id": stranger["id"]}
    )
    assert not_member.status_code == 422
    twice = api.call(
        "POST", f"{CLIENTS}/{mum['id']}/family", org.owner, json={"client_id": son["id"]}
    )
    assert twice.status_code == 409
    itself = api.call(
        "POST", f"{CLIENTS}/{mum['id']}/family", org.owner, json={"client_id": mum["id"]}
    )
    assert itself.status_code == 422

    left = api.ok("DELETE", f"{CLIENTS}/{mum['id']}/family", org.owner)
    assert left["family_id"] is None
    rest = api.ok("GET", f"{CLIENTS}/{son['id']}/family", org.owner)
    assert [m["first_name"] for m in rest["members"]] == ["Jaś", "Ola"]
    assert rest["payer_client_id"] is None  # the payer left
    api.ok("DELETE", f"{CLIENTS}/{son['id']}/family", org.owner)
    alone = api.ok("GET", f"{CLIENTS}/{daughter['members'][2]['id']}/family", org.owner)
    assert alone["members"] == []  # a family of one dissolves
    assert api.call("DELETE", f"{CLIENTS}/{son['id']}/family", org.owner).status_code == 409
    history = api.ok("GET", f"{CLIENTS}/{son['id']}/history", org.owner)["items"]
    assert [h["kind"] for h in history][:2] == ["family.left", "family.payer_set"]


def test_a_new_family_member_with_bad_data_adds_nothing(api: Api) -> None:
    org = api.organisation()
    mum = api.client_of(org)
    bad = api.call(
        "POST",
        f"{CLIENTS}/{mum['id']}/family",
        org.owner,
        json={"new_client": {"first_name": "A", "last_name": "B", "phone": "1"}},
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "new_client.phone"
    both = api.call(
        "POST",
        f"{CLIENTS}/{mum['id']}/family",
        org.owner,
        json={"client_id": mum["id"], "new_client": {"first_name": "A", "last_name": "B"}},
    )
    assert both.status_code == 422
    assert (
        api.sql("SELECT count(*) AS n FROM clients WHERE tenant_id = $1", org.tenant_id)[0]["n"]
        == 1
    )
    assert (
        api.sql("SELECT count(*) AS n FROM families WHERE tenant_id = $1", org.tenant_id)[0]["n"]
        == 0
    )
    other = api.organisation()
    foreign = api.client_of(other)
    refused = api.call(
        "POST", f"{CLIENTS}/{mum['id']}/family", org.owner, json={"client_id": foreign["id"]}
    )
    assert refused.status_code == 422  # an id in a body the caller cannot use names its field
    assert refused.json()["errors"][0]["field"] == "client_id"


def test_a_lead_moves_through_the_pipeline_and_becomes_a_client_with_its_history(
    api: Api,
) -> None:
    org = api.organisation()
    lead = api.ok(
        "POST",
        LEADS,
        org.owner,
        json={
            "first_name": "Ewa",
            "last_name": "Lis",
            "phone": "601 999 888",
            "source": "web form",
        },
    )
    assert lead["status"] == "new"
    assert lead["phone"] == "+48601999888"
    assert api.events("clients.lead_created", lead["id"])[0]["data"]["source"] == "web form"
    path = f"{LEADS}/{lead['id']}"
    assert api.call("PATCH", path, org.owner, json={"status": "contacted"}).status_code == 428
    contacted = api.ok(
        "PATCH", path, org.owner, json={"status": "contacted"}, headers={"If-Match": "1"}
    )
    trial = api.ok(
        "PATCH",
        path,
        org.owner,
        json={"status": "trial"},
        headers={"If-Match": str(contacted["version"])},
    )
    won = api.call(
        "PATCH",
        path,
        org.owner,
        json={"status": "won"},
        headers={"If-Match": str(trial["version"])},
    )
    assert won.status_code == 422
    lost = api.call(
        "PATCH",
        path,
        org.owner,
        json={"status": "lost"},
        headers={"If-Match": str(trial["version"])},
    )
    assert lost.status_code == 422
    assert lost.json()["errors"][0]["field"] == "lost_reason"
    assert (
        api.ok("GET", LEADS, org.owner, params={"status": "trial"})["items"][0]["id"] == lead["id"]
    )

    converted = api.ok("POST", f"{path}/convert", org.owner, json={"birthday": "2010-01-01"})
    assert converted["status"] == "won"
    assert converted["client_id"]
    client = api.ok("GET", f"{CLIENTS}/{converted['client_id']}", org.owner)
    assert (client["first_name"], client["phone"], client["lead_source"]) == (
        "Ewa",
        "+48601999888",
        "web form",
    )
    kinds = [
        h["kind"] for h in api.ok("GET", f"{CLIENTS}/{client['id']}/history", org.owner)["items"]
    ]
    assert kinds == [
        "lead.converted",
        "client.registered",
        "lead.status_changed",
        "lead.status_changed",
        "lead.created",
    ]
    assert api.events("clients.lead_converted", lead["id"])[0]["data"]["client_id"] == client["id"]
    assert api.call("POST", f"{path}/convert", org.owner, json={}).status_code == 409


def test_a_lost_lead_gives_its_reason_and_leads_follow_branch_scope(api: Api) -> None:
    org = api.organisation()
    north = api.branch(org)
    lead = api.ok(
        "POST",
        LEADS,
        org.owner,
        json={"first_name": "A", "last_name": "B", "branch_id": str(north)},
    )
    lost = api.ok(
        "PATCH",
        f"{LEADS}/{lead['id']}",
        org.owner,
        json={"status": "lost", "lost_reason": "too expensive"},
        headers={"If-Match": "1"},
    )
    assert (lost["status"], lost["lost_reason"]) == ("lost", "too expensive")
    assert api.call("POST", f"{LEADS}/{lead['id']}/convert", org.owner, json={}).status_code == 409
    south_admin = staff(org.tenant_id, "admin", branches={uuid.uuid4()})
    assert api.call("GET", f"{LEADS}/{lead['id']}", south_admin).status_code == 404
    north_admin = staff(org.tenant_id, "admin", branches={north})
    assert api.call("GET", f"{LEADS}/{lead['id']}", north_admin).status_code == 200
    teacher = staff(org.tenant_id, "teacher", groups={uuid.uuid4()})
    assert (
        api.call("POST", LEADS, teacher, json={"first_name": "A", "last_name": "B"}).status_code
        == 403
    )
    assert api.ok("GET", LEADS, teacher)["items"] == []
    other = api.organisation()
    assert api.call("GET", f"{LEADS}/{lead['id']}", other.owner).status_code == 404


def test_a_portal_sign_up_of_an_unknown_person_becomes_one_lead(api: Api) -> None:
    org = api.organisation()
    known = api.client_of(org, email="known@example.com")
    body = {
        "organisation_id": str(org.tenant_id),
        "first_name": "New",
        "last_name": "Person",
        "email": "new@example.com",
    }
    first = api.ok("POST", "/internal/v1/clients/portal-signups", SYSTEM, json=body)
    again = api.ok("POST", "/internal/v1/clients/portal-signups", SYSTEM, json=body)
    assert first["outcome"] == "lead"
    assert again == first
    lead = api.ok("GET", f"{LEADS}/{first['id']}", org.owner)
    assert lead["source"] == "portal sign-up"
    client = api.ok(
        "POST",
        "/internal/v1/clients/portal-signups",
        SYSTEM,
        json=body | {"email": "KNOWN@example.com"},
    )
    assert client == {"outcome": "client", "id": known["id"]}
    assert (
        api.call("POST", "/internal/v1/clients/portal-signups", org.owner, json=body).status_code
        == 404
    )


def test_leads_filter_by_branch_and_source_within_the_callers_scope(api: Api) -> None:
    org = api.organisation()
    north, south = api.branch(org), api.branch(org)
    for name, branch, source in (
        ("Ann", north, "web form"),
        ("Bob", north, "phone"),
        ("Cid", south, "web form"),
        ("Dan", None, "web form"),
    ):
        body = {"first_name": name, "last_name": "Lead", "source": source}
        if branch is not None:
            body["branch_id"] = str(branch)
        api.ok("POST", LEADS, org.owner, json=body)

    def names(who: Principal, **params: str) -> list[str]:
        found = api.ok("GET", LEADS, who, params=params)["items"]
        return sorted(lead["first_name"] for lead in found)

    assert names(org.owner, branch_id=str(north)) == ["Ann", "Bob"]
    assert names(org.owner, source="web form") == ["Ann", "Cid", "Dan"]
    assert names(org.owner, branch_id=str(north), source="web form") == ["Ann"]
    north_admin = staff(org.tenant_id, "admin", branches={north})
    assert names(north_admin, source="web form") == ["Ann", "Dan"]
    assert names(north_admin, branch_id=str(south)) == []  # a filter never widens the scope
    assert names(api.organisation().owner, branch_id=str(north)) == []
    assert api.call("GET", LEADS, org.owner, params={"branch_id": "x"}).status_code == 422
