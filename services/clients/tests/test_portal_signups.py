"""A portal sign-up whose address identity has proven, decided against the cards as they are:
one active card -> linked; none -> a lead; only archived -> refused, staff told; several ->
review, staff told. An email counts only when the card's email is confirmed."""

from __future__ import annotations

import uuid
from typing import Any

from crm_contracts.events.identity import PortalSignupRequested

from .conftest import Api, Org


def request(api: Api, org: Org, login: str) -> dict[str, Any]:
    account = uuid.uuid4()
    payload = PortalSignupRequested(
        account_id=account,
        login=login,
        channel="email" if "@" in login else "phone",
        first_name="Piotr",
        last_name="Lis",
    )
    api.deliver(api.envelope(payload, org.tenant_id, account))
    decided = api.events("clients.portal_signup_decided", str(account))
    assert len(decided) == 1
    data: dict[str, Any] = decided[0]["data"]
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
