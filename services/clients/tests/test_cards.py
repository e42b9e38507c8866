"""The client card: fields, phone and email rules, custom fields, If-Match, duplicates,
email confirmation, the free plan's limit. Bad input names its field and writes nothing."""

from __future__ import annotations

import uuid
from datetime import date

from clients_svc.domain.cards import age_on

from crm_platform.dev_keys import DEV_SEAL_PRIVATE_KEY
from crm_platform.internal_auth import Principal
from crm_platform.sealing import Opener

from .conftest import Api, staff

CLIENTS = "/api/v1/clients/clients"


def count_clients(api: Api, tenant: uuid.UUID) -> int:
    return int(api.sql("SELECT count(*) AS n FROM clients WHERE tenant_id = $1", tenant)[0]["n"])


def test_a_card_keeps_every_field_and_normalises_the_phone(api: Api) -> None:
    org = api.organisation()
    api.ok(
        "POST",
        "/api/v1/clients/custom-fields",
        org.owner,
        json={"key": "level", "label": "Level", "kind": "choice", "choices": ["A1", "B2"]},
    )
    tag = api.ok("POST", "/api/v1/clients/tags", org.owner, json={"name": "Piano"})
    created = api.ok(
        "POST",
        CLIENTS,
        org.owner,
        json={
            "first_name": " Zofia ",
            "last_name": "Kowalska",
            "phone": "601 234 567",
            "email": "Zofia@Example.COM",
            "birthday": "2015-06-01",
            "note": "allergic to cats",
            "branch_id": str(org.branch_id),
            "lead_source": "Instagram",
            "tag_ids": [tag["id"]],
            "custom_fields": {"level": "A1"},
        },
    )
    assert created["first_name"] == "Zofia"
    assert created["phone"] == "+48601234567"
    assert created["email"] == "zofia@example.com"
    assert created["email_confirmed"] is False
    assert created["age"] == age_on(date(2015, 6, 1), date.today())
    assert created["tags"] == [{"id": tag["id"], "name": "Piano"}]
    assert created["custom_fields"] == {"level": "A1"}
    assert created["status"] == "active"
    assert created["version"] == 1
    assert created["duplicates"] == []
    read = api.ok("GET", f"{CLIENTS}/{created['id']}", org.owner)
    assert read["note"] == "allergic to cats"
    assert read["lead_source"] == "Instagram"
    registered = api.events("clients.client_registered", created["id"])
    assert registered[0]["data"]["phone"] == "+48601234567"
    assert registered[0]["data"]["tag_ids"] == [tag["id"]]
    assert registered[0]["tenant_id"] == str(org.tenant_id)


def test_international_numbers_are_accepted_in_any_format(api: Api) -> None:
    org = api.organisation()
    for typed, stored in [
        ("+7 (916) 123-45-67", "+79161234567"),
        ("0044 20 7946 0958", "+442079460958"),
        ("(22) 123 45 67", "+48221234567"),
    ]:
        assert api.client_of(org, phone=typed)["phone"] == stored


def test_bad_phone_email_birthday_tag_and_custom_field_are_all_named_and_nothing_saved(
    api: Api,
) -> None:
    org = api.organisation()
    api.ok(
        "POST",
        "/api/v1/clients/custom-fields",
        org.owner,
        json={"key": "shoe_size", "label": "Shoe size", "kind": "number"},
    )
    response = api.call(
        "POST",
        CLIENTS,
        org.owner,
        json={
            "first_name": "Jan",
            "last_name": "Nowak",
            "phone": "12",
            "birthday": "2199-01-01",
            "tag_ids": [str(uuid.uuid4())],
            "custom_fields": {"shoe_size": "big", "unknown": 1},
        },
    )
    assert response.status_code == 422
    problems = {e["field"]: e["message"] for e in response.json()["errors"]}
    assert set(problems) == {
        "phone",
        "birthday",
        "tag_ids.0",
        "custom_fields.shoe_size",
        "custom_fields.unknown",
    }
    assert "digits" in problems["phone"]
    assert "no such tag" in problems["tag_ids.0"]
    bad_email = api.call(
        "POST", CLIENTS, org.owner, json={"first_name": "J", "last_name": "N", "email": "nope@"}
    )
    assert bad_email.status_code == 422
    assert [e["field"] for e in bad_email.json()["errors"]] == ["email"]
    letters = api.call(
        "POST", CLIENTS, org.owner, json={"first_name": "J", "last_name": "N", "phone": "call me"}
    )
    assert letters.status_code == 422
    assert "not a phone number" in letters.json()["errors"][0]["message"]
    missing = api.call("POST", CLIENTS, org.owner, json={"first_name": "J"})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["last_name"]
    assert count_clients(api, org.tenant_id) == 0
    assert (
        api.sql(
            "SELECT 1 FROM outbox WHERE tenant_id = $1 AND event_type LIKE 'clients.%'",
            org.tenant_id,
        )
        == []
    )


def test_updates_need_the_current_version(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, phone="601234567")
    path = f"{CLIENTS}/{client['id']}"
    assert api.call("PATCH", path, org.owner, json={"note": "x"}).status_code == 428
    assert (
        api.call("PATCH", path, org.owner, json={"note": "x"}, headers={"If-Match": "7"})
    ).status_code == 412
    changed = api.ok(
        "PATCH",
        path,
        org.owner,
        json={"phone": "602 000 111", "note": "new"},
        headers={"If-Match": '"1"'},
    )
    assert changed["phone"] == "+48602000111"
    assert changed["version"] == 2
    stale = api.call("PATCH", path, org.owner, json={"note": "lost"}, headers={"If-Match": "1"})
    assert stale.status_code == 412
    assert api.ok("GET", path, org.owner)["note"] == "new"
    cleared = api.ok("PATCH", path, org.owner, json={"note": None}, headers={"If-Match": "2"})
    assert cleared["note"] is None
    no_name = api.call(
        "PATCH", path, org.owner, json={"first_name": None}, headers={"If-Match": "3"}
    )
    assert no_name.status_code == 422
    bad = api.call("PATCH", path, org.owner, json={"phone": "000"}, headers={"If-Match": "3"})
    assert bad.status_code == 422
    assert api.ok("GET", path, org.owner)["phone"] == "+48602000111"
    history = api.ok("GET", f"{path}/history", org.owner)["items"]
    phone_change = [h for h in history if h["kind"] == "client.phone_changed"]
    assert phone_change[0]["data"] == {"from": "+48601234567", "to": "+48602000111"}
    assert phone_change[0]["section"] == "other"
    updated = api.events("clients.client_updated", client["id"])
    assert updated[0]["data"]["phone"] == "+48602000111"


def test_a_new_or_changed_email_asks_for_confirmation_once_confirmed_it_is_marked(
    api: Api,
) -> None:
    org = api.organisation()
    client = api.client_of(org, email="mum@example.com")
    requests = api.events("clients.email_confirmation_requested", client["id"])
    assert len(requests) == 1
    sealed = requests[0]["data"]["sealed_token"]
    assert "confirmation_token" not in requests[0]["data"]
    token = Opener(DEV_SEAL_PRIVATE_KEY).open("confirm_email", sealed)
    assert token not in sealed
    assert len(token) >= 40
    assert requests[0]["data"]["email"] == "mum@example.com"
    assert (
        api.call(
            "POST", "/api/v1/clients/email-confirmations", json={"token": "x" * 43}
        ).status_code
        == 400
    )
    assert (
        api.call("POST", "/api/v1/clients/email-confirmations", json={"token": token}).status_code
        == 204
    )
    card = api.ok("GET", f"{CLIENTS}/{client['id']}", org.owner)
    assert card["email_confirmed"] is True
    assert api.events("clients.client_updated", client["id"])[-1]["data"]["email_confirmed"]
    # The token is single use.
    assert (
        api.call("POST", "/api/v1/clients/email-confirmations", json={"token": token}).status_code
        == 400
    )
    changed = api.ok(
        "PATCH",
        f"{CLIENTS}/{client['id']}",
        org.owner,
        json={"email": "dad@example.com"},
        headers={"If-Match": str(card["version"])},
    )
    assert changed["email_confirmed"] is False
    assert len(api.events("clients.email_confirmation_requested", client["id"])) == 2
    unchanged = api.ok(
        "PATCH",
        f"{CLIENTS}/{client['id']}",
        org.owner,
        json={"note": "n"},
        headers={"If-Match": str(changed["version"])},
    )
    assert len(api.events("clients.email_confirmation_requested", client["id"])) == 2
    assert unchanged["version"] == changed["version"] + 1


def test_a_phone_or_email_already_on_a_card_is_warned_about(api: Api) -> None:
    org = api.organisation()
    first = api.client_of(org, phone="+48 601 111 222", email="a@example.com")
    second = api.client_of(org, first_name="Ola", phone="601-111-222")
    assert second["duplicates"] == [
        {"field": "phone", "client_id": first["id"], "name": "Anna Nowak"}
    ]
    check = api.ok(
        "GET",
        f"{CLIENTS}/duplicates",
        org.owner,
        params={"phone": "0048601111222", "email": "A@example.com"},
    )
    assert check["next_cursor"] is None
    fields = sorted((d["field"], d["client_id"]) for d in check["items"])
    assert fields == sorted(
        [("phone", first["id"]), ("phone", second["id"]), ("email", first["id"])]
    )
    other = api.organisation()
    assert (
        api.ok("GET", f"{CLIENTS}/duplicates", other.owner, params={"phone": "601111222"})["items"]
        == []
    )
    # A teacher learns that the number is taken, not whose card it is.
    teacher = staff(org.tenant_id, "teacher", groups={uuid.uuid4()})
    hidden = api.ok("GET", f"{CLIENTS}/duplicates", teacher, params={"phone": "601111222"})
    assert hidden["items"][0] == {"field": "phone", "client_id": None, "name": None}


def test_changing_a_phone_to_one_already_on_a_card_is_warned_about(api: Api) -> None:
    org = api.organisation()
    first = api.client_of(org, phone="+48 601 333 444")
    second = api.client_of(org, first_name="Ola", phone="+48 602 000 000")
    changed = api.ok(
        "PATCH",
        f"{CLIENTS}/{second['id']}",
        org.owner,
        json={"phone": "601 333 444"},
        headers={"If-Match": str(second["version"])},
    )
    assert changed["phone"] == "+48601333444"
    assert changed["duplicates"] == [
        {"field": "phone", "client_id": first["id"], "name": "Anna Nowak"}
    ]
    renamed = api.ok(
        "PATCH",
        f"{CLIENTS}/{second['id']}",
        org.owner,
        json={"note": "the phone is not touched"},
        headers={"If-Match": str(changed["version"])},
    )
    assert renamed["duplicates"] == []


def test_the_free_plan_allows_three_active_clients(api: Api) -> None:
    org = api.organisation(plan="free")
    ids = [api.client_of(org, first_name=f"C{i}")["id"] for i in range(3)]
    refused = api.call("POST", CLIENTS, org.owner, json={"first_name": "D", "last_name": "E"})
    assert refused.status_code == 409
    assert "free plan allows 3 active clients" in refused.json()["detail"]
    assert count_clients(api, org.tenant_id) == 3
    api.ok("POST", f"{CLIENTS}/{ids[0]}/archive", org.owner)
    fourth = api.client_of(org, first_name="D")
    assert api.call("POST", f"{CLIENTS}/{ids[0]}/restore", org.owner).status_code == 409
    api.ok("POST", f"{CLIENTS}/{fourth['id']}/archive", org.owner)
    assert api.ok("POST", f"{CLIENTS}/{ids[0]}/restore", org.owner)["status"] == "active"


def test_an_upgraded_plan_has_no_such_limit(api: Api) -> None:
    org = api.organisation(plan="pro")
    for i in range(4):
        api.client_of(org, first_name=f"C{i}")
    assert count_clients(api, org.tenant_id) == 4


def test_an_accountant_reads_but_does_not_write_and_portal_callers_see_nothing(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, branch_id=str(org.branch_id))
    accountant = staff(org.tenant_id, "accountant", branches={org.branch_id})
    assert api.call("GET", f"{CLIENTS}/{client['id']}", accountant).status_code == 200
    assert (
        api.call(
            "POST", CLIENTS, accountant, json={"first_name": "A", "last_name": "B"}
        ).status_code
        == 403
    )
    portal = Principal(tenant_id=org.tenant_id, subject="p", realm="portal")
    assert api.call("GET", f"{CLIENTS}/{client['id']}", portal).status_code == 404
    assert api.client.get(f"{CLIENTS}/{client['id']}").status_code == 401


def test_admins_create_clients_in_their_own_branches(api: Api) -> None:
    org = api.organisation()
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    admin = staff(org.tenant_id, "admin", branches={mine})
    created = api.ok("POST", CLIENTS, admin, json={"first_name": "A", "last_name": "B"})
    assert created["branch_id"] == str(mine)
    refused = api.call(
        "POST", CLIENTS, admin, json={"first_name": "A", "last_name": "B", "branch_id": str(theirs)}
    )
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "branch_id"


def test_the_language_of_a_clients_messages_is_kept_and_published(api: Api) -> None:
    org = api.organisation()
    created = api.ok(
        "POST",
        CLIENTS,
        org.owner,
        json={"first_name": "Olena", "last_name": "Bondar", "locale": "uk"},
    )
    assert created["locale"] == "uk"
    registered = api.events("clients.client_registered", created["id"])
    assert registered[0]["data"]["locale"] == "uk"
    path = f"{CLIENTS}/{created['id']}"
    for wrong in ("ukrainian", "UK", ""):
        bad = api.call("PATCH", path, org.owner, json={"locale": wrong}, headers={"If-Match": "1"})
        assert bad.status_code == 422, wrong
        assert "locale" in bad.text
    changed = api.ok("PATCH", path, org.owner, json={"locale": "pl"}, headers={"If-Match": "1"})
    assert (changed["locale"], changed["version"]) == ("pl", 2)
    assert api.events("clients.client_updated", created["id"])[0]["data"]["locale"] == "pl"
    cleared = api.ok("PATCH", path, org.owner, json={"locale": None}, headers={"If-Match": "2"})
    assert cleared["locale"] is None
