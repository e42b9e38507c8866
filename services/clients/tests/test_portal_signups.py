"""A portal sign-up whose address identity has proven, decided against the cards as they are:
one active card -> linked; none -> a lead; only archived -> refused, staff told; several ->
review, staff told. An email counts only when the card's email is confirmed."""

from __future__ import annotations

import uuid
from typing import Any

from crm_contracts.events.identity import PortalSignupRequested

from .conftest import Api, Org, staff

SIGNUPS = "/api/v1/clients/portal-signups"


def request(
    api: Api, org: Org, login: str, account: uuid.UUID | None = None, times: int = 1
) -> dict[str, Any]:
    account = account or uuid.uuid4()
    payload = PortalSignupRequested(
        account_id=account,
        login=login,
        channel="email" if "@" in login else "phone",
        first_name="Piotr",
        last_name="Lis",
    )
    api.deliver(api.envelope(payload, org.tenant_id, account))
    decided = api.events("clients.portal_signup_decided", str(account))
    assert len(decided) == times
    data: dict[str, Any] = decided[-1]["data"] | {"account_id": str(account)}
    return data


def tasks(api: Api, client_id: str) -> list[str]:
    rows = api.sql("SELECT title FROM tasks WHERE client_id = $1", uuid.UUID(client_id))
    return [r["title"] for r in rows]


def test_one_active_card_with_the_phone_is_linked(api: Api) -> None:
    org = api.organisation()
    phone = f"+48601{uuid.uuid4().int % 10**6:06d}"
    card = api.client_of(org, phone=phone)
    decided = request(api, org, phone)
    assert decided["outcome"] == "linked"
    assert decided["client_id"] == card["id"]


def test_an_email_counts_only_when_confirmed_on_the_card(api: Api) -> None:
    org = api.organisation()
    email = f"p-{uuid.uuid4().hex[:6]}@mail.example.com"
    card = api.client_of(org, email=email)
    assert request(api, org, email)["outcome"] == "lead"  # not confirmed: a lead, no link
    api.sql("UPDATE clients SET email_confirmed = true WHERE id = $1", uuid.UUID(card["id"]))
    decided = request(api, org, email.upper())
    assert decided["outcome"] == "linked"
    assert decided["client_id"] == card["id"]


def test_unknown_becomes_a_lead_once(api: Api) -> None:
    org = api.organisation()
    phone = f"+48602{uuid.uuid4().int % 10**6:06d}"
    first = request(api, org, phone)
    again = request(api, org, phone)
    assert first["outcome"] == again["outcome"] == "lead"
    assert first["lead_id"] == again["lead_id"]
    created = [e for e in api.events("clients.lead_created") if e["data"]["phone"] == phone]
    assert [e["data"]["source"] for e in created] == ["portal sign-up"]


def test_archived_is_refused_and_the_staff_are_told(api: Api) -> None:
    org = api.organisation()
    phone = f"+48603{uuid.uuid4().int % 10**6:06d}"
    card = api.client_of(org, phone=phone)
    api.ok("POST", f"/api/v1/clients/clients/{card['id']}/archive", org.owner)
    decided = request(api, org, phone)
    assert decided["outcome"] == "refused"
    assert decided["client_id"] is None
    assert [t for t in tasks(api, card["id"]) if "archived" in t]


def test_several_cards_go_to_the_staff_for_review(api: Api) -> None:
    org = api.organisation()
    phone = f"+48604{uuid.uuid4().int % 10**6:06d}"
    cards = [api.client_of(org, phone=phone, first_name=n) for n in ("Jan", "Ola")]
    decided = request(api, org, phone)
    assert decided["outcome"] == "review"
    assert decided["client_id"] is None
    for card in cards:
        assert [t for t in tasks(api, card["id"]) if "several cards" in t]


def test_another_organisations_card_is_never_matched(api: Api) -> None:
    org, other = api.organisation(), api.organisation()
    phone = f"+48605{uuid.uuid4().int % 10**6:06d}"
    api.client_of(other, phone=phone)
    assert request(api, org, phone)["outcome"] == "lead"


def test_staff_link_a_reviewed_sign_up_to_one_of_its_cards(api: Api) -> None:
    org = api.organisation()
    phone = f"+48606{uuid.uuid4().int % 10**6:06d}"
    north = api.branch(org)
    jan = api.client_of(org, phone=phone, first_name="Jan")
    ola = api.client_of(org, phone=phone, first_name="Ola", branch_id=str(north))
    other = api.client_of(org, phone=f"+48607{uuid.uuid4().int % 10**6:06d}")
    account = request(api, org, phone)["account_id"]
    [waiting] = api.ok("GET", SIGNUPS, org.owner)["items"]
    assert (waiting["account_id"], waiting["login"], waiting["first_name"]) == (
        account,
        phone,
        "Piotr",
    )
    assert {c["first_name"] for c in waiting["candidates"]} == {"Jan", "Ola"}
    # An admin of North sees the sign-up with North's card only.
    admin = staff(org.tenant_id, "admin", branches={north})
    [seen] = api.ok("GET", SIGNUPS, admin)["items"]
    assert [c["id"] for c in seen["candidates"]] == [ola["id"]]
    link = f"{SIGNUPS}/{account}/link"
    # A card without the phone, a card the caller does not see, another organisation's card,
    # a teacher: refused, and nothing decided.
    wrong = api.call("POST", link, org.owner, json={"client_id": other["id"]})
    assert wrong.status_code == 422
    assert [e["field"] for e in wrong.json()["errors"]] == ["client_id"]
    assert api.call("POST", link, admin, json={"client_id": jan["id"]}).status_code == 404
    stranger = api.organisation()
    theirs = api.client_of(stranger, phone=phone)
    assert api.call("POST", link, org.owner, json={"client_id": theirs["id"]}).status_code == 404
    teacher = staff(org.tenant_id, "teacher", branches={north})
    assert api.call("POST", link, teacher, json={"client_id": ola["id"]}).status_code == 403
    assert len(api.events("clients.portal_signup_decided", account)) == 1
    linked = api.ok("POST", link, org.owner, json={"client_id": jan["id"]})
    assert (linked["status"], linked["client_id"]) == ("linked", jan["id"])
    decided = api.events("clients.portal_signup_decided", account)
    assert [(d["data"]["outcome"], d["data"]["client_id"]) for d in decided] == [
        ("review", None),
        ("linked", jan["id"]),
    ]
    assert api.call("POST", link, org.owner, json={"client_id": ola["id"]}).status_code == 409
    assert api.ok("GET", SIGNUPS, org.owner)["items"] == []


def test_a_later_sign_up_decided_otherwise_closes_the_review(api: Api) -> None:
    org = api.organisation()
    phone = f"+48608{uuid.uuid4().int % 10**6:06d}"
    jan = api.client_of(org, phone=phone, first_name="Jan")
    ola = api.client_of(org, phone=phone, first_name="Ola")
    account = uuid.UUID(request(api, org, phone)["account_id"])
    assert len(api.ok("GET", SIGNUPS, org.owner)["items"]) == 1
    api.ok("POST", f"/api/v1/clients/clients/{ola['id']}/archive", org.owner)
    again = request(api, org, phone, account=account, times=2)
    assert (again["outcome"], again["client_id"]) == ("linked", jan["id"])
    assert api.ok("GET", SIGNUPS, org.owner)["items"] == []
    closed = api.call("POST", f"{SIGNUPS}/{account}/link", org.owner, json={"client_id": jan["id"]})
    assert closed.status_code == 409


def test_a_branch_admin_lists_the_sign_ups_of_their_cards_however_many_others_wait(
    api: Api,
) -> None:
    org = api.organisation()
    north = api.branch(org)
    far = f"+48608{uuid.uuid4().int % 10**6:06d}"
    near = f"+48609{uuid.uuid4().int % 10**6:06d}"
    for branch in (north, north, org.branch_id):
        api.client_of(org, phone=far, branch_id=str(branch))
    for _ in range(2):
        api.client_of(org, phone=near, branch_id=str(org.branch_id))
    # Two hundred older sign-ups wait on North's cards (and on an archived Centre card).
    api.sql(
        "INSERT INTO portal_signup_reviews (account_id, tenant_id, login, channel, first_name,"
        " last_name, status, created_at) SELECT gen_random_uuid(), $1, $2, 'phone', 'A', 'B',"
        " 'open', now() - interval '1 day' FROM generate_series(1, 200)",
        org.tenant_id,
        far,
    )
    api.sql(
        "UPDATE clients SET status = 'archived' WHERE phone = $1 AND branch_id = $2",
        far,
        org.branch_id,
    )
    account = request(api, org, near)["account_id"]
    admin = staff(org.tenant_id, "admin", branches={org.branch_id})
    print(
        "OWNER",
        [
            (i["account_id"], len(i["candidates"]))
            for i in api.ok("GET", SIGNUPS, org.owner)["items"]
        ][-3:],
        account,
        api.sql(
            "SELECT status, login FROM portal_signup_reviews WHERE account_id = $1",
            uuid.UUID(account),
        ),
        api.sql("SELECT phone, branch_id, status FROM clients WHERE tenant_id = $1", org.tenant_id),
    )
    [seen] = api.ok("GET", SIGNUPS, admin)["items"]
    assert seen["account_id"] == account
    assert {c["branch_id"] for c in seen["candidates"]} == {str(org.branch_id)}
    north_admin = staff(org.tenant_id, "admin", branches={north})
    assert len(api.ok("GET", SIGNUPS, north_admin)["items"]) == 200
