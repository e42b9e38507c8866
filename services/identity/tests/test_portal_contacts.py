"""A signed-in portal client proves a new email or phone with a code sent there before the
school is asked to put it on the card (identity.portal_contact_proven)."""

from __future__ import annotations

import uuid
from typing import Any

from crm_platform.internal_auth import Principal

from .conftest import Api, staff_principal
from .test_portal_accounts import codes, decide, last_code, sign_up

CODES = "/portal/v1/contacts/codes"
PROOFS = "/portal/v1/contacts/proofs"


def portal(org: str, account_id: str) -> Principal:
    return Principal(
        tenant_id=uuid.UUID(org),
        subject=account_id,
        realm="portal",
        client_ids=frozenset({uuid.uuid4()}),
    )


def signed_in(api: Api) -> tuple[str, Principal]:
    org = api.sign_up()["organisation"]["id"]
    account_id = sign_up(api, org, f"parent-{uuid.uuid4().hex[:6]}@mail.example.com")
    decide(api, org, account_id, "linked", uuid.uuid4())
    return org, portal(org, account_id)


def proofs(api: Api, account_id: str) -> list[dict[str, Any]]:
    return [
        e["data"]
        for e in api.events("identity.portal_contact_proven")
        if e["data"]["account_id"] == account_id
    ]


def test_a_code_to_the_new_address_proves_it_once(api: Api) -> None:
    _org, me = signed_in(api)
    new = f"New-{uuid.uuid4().hex[:6]}@Mail.example.com"
    sent = api.call("POST", CODES, me, json={"login": new})
    assert sent.status_code == 202, sent.text
    [issued] = [c for c in codes(api, new) if c["purpose"] == "contact"]
    # To the new address itself, never to the account's Telegram chat.
    assert (issued["channel"], issued["account_id"], issued["client_ids"]) == ("email", None, [])
    code = last_code(api, new, "contact")
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    refused = api.call("POST", PROOFS, me, json={"login": new, "code": wrong})
    assert refused.status_code == 400
    assert proofs(api, me.subject) == []
    assert api.call("POST", PROOFS, me, json={"login": new, "code": code}).status_code == 204
    assert proofs(api, me.subject) == [
        {"account_id": me.subject, "login": new.lower(), "channel": "email"}
    ]
    # Used once.
    assert api.call("POST", PROOFS, me, json={"login": new, "code": code}).status_code == 400
    assert len(proofs(api, me.subject)) == 1


def test_a_code_of_another_purpose_proves_nothing(api: Api) -> None:
    org, me = signed_in(api)
    phone = f"+48 502 {uuid.uuid4().int % 10**6:06d}"
    e164 = phone.replace(" ", "")
    body = {"organisation_id": org, "login": phone, "purpose": "signup"}
    assert api.call("POST", "/auth/portal/codes", json=body).status_code == 202
    signup_code = last_code(api, e164, "signup")
    assert (
        api.call("POST", PROOFS, me, json={"login": phone, "code": signup_code}).status_code == 400
    )
    assert api.call("POST", CODES, me, json={"login": phone}).status_code == 202
    proof = {"login": phone, "code": last_code(api, e164, "contact")}
    assert api.call("POST", PROOFS, me, json=proof).status_code == 204
    assert [p["login"] for p in proofs(api, me.subject)] == [e164]


def test_only_a_signed_in_portal_account_asks(api: Api) -> None:
    org, me = signed_in(api)
    body = {"login": f"x-{uuid.uuid4().hex[:6]}@mail.example.com"}
    assert api.call("POST", CODES, json=body).status_code == 404  # anonymous
    staff = staff_principal(org, me.subject, "owner")
    assert api.call("POST", CODES, staff, json=body).status_code == 404
    stranger = portal(org, str(uuid.uuid4()))
    assert api.call("POST", CODES, stranger, json=body).status_code == 404
    other_org = api.sign_up()["organisation"]["id"]
    elsewhere = portal(other_org, me.subject)
    assert api.call("POST", CODES, elsewhere, json=body).status_code == 404
    assert [c for c in codes(api, body["login"]) if c["purpose"] == "contact"] == []


def test_bad_contacts_name_the_field_and_codes_are_rate_limited(api: Api) -> None:
    _org, me = signed_in(api)
    bad = api.call("POST", CODES, me, json={"login": "501 000 000"})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["login"]
    short = api.call("POST", PROOFS, me, json={"login": "a@b.example.com", "code": "12"})
    assert [e["field"] for e in short.json()["errors"]] == ["code"]
    login = f"often-{uuid.uuid4().hex[:6]}@mail.example.com"
    answers = [
        api.call(
            "POST", CODES, me, json={"login": login}, headers={"x-client-address": "10.9.9.9"}
        ).status_code
        for _ in range(8)
    ]
    assert 429 in answers
    assert answers[: answers.index(429)] == [202] * answers.index(429)
