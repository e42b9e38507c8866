"""Client portal accounts: one-time codes (sign-in, reset, sign-up), their limits, and the
sign-up waiting for clients' decision. No answer tells whether an account exists."""

from __future__ import annotations

import uuid
from typing import Any

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.clients import PortalSignupDecided
from crm_platform.dev_keys import DEV_SEAL_PRIVATE_KEY
from crm_platform.sealing import Opener

from .conftest import Api
from .test_auth import verify

PASSWORD = "a portal password"
NOTIFICATIONS = Opener(DEV_SEAL_PRIVATE_KEY)


def normal(login: str) -> str:
    return login.lower() if "@" in login else login.replace(" ", "")


def codes(api: Api, login: str) -> list[dict[str, Any]]:
    login = normal(login)
    return [
        e["data"] for e in api.events("identity.portal_code_issued") if e["data"]["login"] == login
    ]


def request_code(api: Api, org: str, login: str, purpose: str, **kw: Any) -> Any:
    """From an address of its own, unless one is given (the per-address limit is tested alone)."""
    body = {"organisation_id": org, "login": login, "purpose": purpose}
    headers = kw.pop("headers", {"x-client-address": f"10.1.{uuid.uuid4().int % 65536}"})
    return api.call("POST", "/auth/portal/codes", json=body, headers=headers, **kw)


def last_code(api: Api, login: str, purpose: str) -> str:
    """What notifications reads: the code opened with its private key."""
    sealed = [c for c in codes(api, login) if c["purpose"] == purpose][-1]["sealed_code"]
    return NOTIFICATIONS.open("portal_code", sealed)


def decide(api: Api, org: str, account_id: str, outcome: str, client: uuid.UUID | None) -> None:
    payload = PortalSignupDecided(
        account_id=uuid.UUID(account_id),
        outcome=outcome,
        client_id=client,  # type: ignore[arg-type]
    )
    envelope = EventEnvelope(
        type=payload.event_type,
        source="clients",
        tenant_id=uuid.UUID(org),
        subject=account_id,
        data=payload.model_dump(mode="json"),
    )
    inbox = api.client.app.state.components[0].inbox  # type: ignore[attr-defined]
    api.client.portal.call(inbox.handle_batch, [envelope])  # type: ignore[union-attr]


def sign_up(api: Api, org: str, login: str, **fields: Any) -> str:
    """Proves the address and signs up; returns the pending account's id."""
    assert request_code(api, org, login, "signup").status_code == 202
    body = {
        "organisation_id": org,
        "login": login,
        "code": last_code(api, login, "signup"),
        "first_name": "Anna",
        "last_name": "Nowak",
        "password": PASSWORD,
    } | fields
    response = api.call("POST", "/auth/portal/signup", json=body)
    assert response.status_code == 202, response.text
    requested = [
        e["data"]
        for e in api.events("identity.portal_signup_requested")
        if e["data"]["login"] == normal(login)
    ]
    return str(requested[-1]["account_id"])


def password_sign_in(api: Api, org: str, login: str, password: str = PASSWORD) -> Any:
    body = {"organisation_id": org, "login": login, "password": password}
    return api.call("POST", "/auth/portal/token", json=body)


def test_sign_up_proves_the_address_then_waits_for_clients(api: Api) -> None:
    org = api.sign_up()["organisation"]["id"]
    login = f"anna-{uuid.uuid4().hex[:6]}@mail.example.com"
    # Without a code, or with a wrong one, nothing is created.
    body = {
        "organisation_id": org,
        "login": login,
        "code": "000000",
        "first_name": "Anna",
        "last_name": "Nowak",
    }
    assert api.call("POST", "/auth/portal/signup", json=body).status_code == 400
    account_id = sign_up(api, org, login)
    rows = api.sql(
        "SELECT status, client_ids FROM portal_accounts WHERE id = $1", uuid.UUID(account_id)
    )
    assert [(r["status"], r["client_ids"]) for r in rows] == [("pending", "")]
    # Pending: the password does not sign in yet, with the same answer as a wrong one.
    pending = password_sign_in(api, org, login)
    assert pending.status_code == 401
    assert pending.json()["detail"] == password_sign_in(api, org, login, "wrong").json()["detail"]
    client = uuid.uuid4()
    decide(api, org, account_id, "linked", client)
    tokens = password_sign_in(api, org, login)
    assert tokens.status_code == 200, tokens.text
    assert verify(api, tokens.json()["access_token"])["clients"] == [str(client)]
    # A known address never yields a second account.
    sign_up(api, org, login.upper())
    assert api.sql("SELECT count(*) AS n FROM portal_accounts WHERE login = $1", login)[0]["n"] == 1


def test_a_decision_other_than_linked_leaves_the_account_unusable(api: Api) -> None:
    org = api.sign_up()["organisation"]["id"]
    for outcome in ("lead", "refused", "review"):
        login = f"+4850{uuid.uuid4().int % 10**7:07d}"
        account_id = sign_up(api, org, login)
        decide(api, org, account_id, outcome, None)
        rows = api.sql("SELECT status FROM portal_accounts WHERE id = $1", uuid.UUID(account_id))
        assert rows[0]["status"] == outcome
        assert password_sign_in(api, org, login).status_code == 401
        # Staff converted the lead, restored the card or merged the duplicates: signing up
        # again asks clients again, for the same account, and may link it now.
        assert sign_up(api, org, login) == account_id
        decide(api, org, account_id, "linked", uuid.uuid4())
        assert password_sign_in(api, org, login).status_code == 200


def test_staff_link_an_account_waiting_for_review_and_nothing_else_moves(api: Api) -> None:
    org = api.sign_up()["organisation"]["id"]
    for outcome in ("lead", "refused", "review"):
        login = f"+4851{uuid.uuid4().int % 10**7:07d}"
        account_id = sign_up(api, org, login)
        decide(api, org, account_id, outcome, None)
        decide(api, org, account_id, "linked", uuid.uuid4())  # staff linked one card
        status = api.sql("SELECT status FROM portal_accounts WHERE id = $1", uuid.UUID(account_id))
        assert status[0]["status"] == ("active" if outcome == "review" else outcome)
        signed = password_sign_in(api, org, login).status_code
        assert signed == (200 if outcome == "review" else 401)


def test_sign_in_by_code_once_and_only_the_newest(api: Api) -> None:
    org = api.sign_up()["organisation"]["id"]
    login = f"+48 501 {uuid.uuid4().int % 10**6:06d}"
    e164 = login.replace(" ", "")
    decide(api, org, sign_up(api, org, login), "linked", uuid.uuid4())
    assert request_code(api, org, login, "signin").status_code == 202
    first = last_code(api, e164, "signin")
    assert request_code(api, org, login, "signin").status_code == 202
    newest = last_code(api, e164, "signin")
    issued = codes(api, e164)[-1]
    assert issued["channel"] == "phone"
    assert len(issued["client_ids"]) == 1

    def with_code(code: str) -> Any:
        body = {"organisation_id": org, "login": login, "code": code}
        return api.call("POST", "/auth/portal/token", json=body)

    if first != newest:
        assert with_code(first).status_code == 401  # stale: a newer one was issued
    assert with_code(newest).status_code == 200
    assert with_code(newest).status_code == 401  # replayed
    # An expired code is refused.
    assert request_code(api, org, login, "signin").status_code == 202
    api.sql(
        "UPDATE portal_codes SET expires_at = now() - interval '1 second' WHERE login = $1", e164
    )
    assert with_code(last_code(api, e164, "signin")).status_code == 401


def test_a_code_takes_few_wrong_tries(api: Api) -> None:
    org = api.sign_up()["organisation"]["id"]
    login = f"tries-{uuid.uuid4().hex[:6]}@mail.example.com"
    decide(api, org, sign_up(api, org, login), "linked", uuid.uuid4())
    request_code(api, org, login, "signin")
    right = last_code(api, login, "signin")
    wrong = f"{(int(right) + 1) % 10**6:06d}"
    for _ in range(5):
        body = {"organisation_id": org, "login": login, "code": wrong}
        assert api.call("POST", "/auth/portal/token", json=body).status_code == 401
    body = {"organisation_id": org, "login": login, "code": right}
    assert api.call("POST", "/auth/portal/token", json=body).status_code == 401


def test_codes_never_tell_whether_an_account_exists_and_are_rate_limited(api: Api) -> None:
    org = api.sign_up()["organisation"]["id"]
    known = f"known-{uuid.uuid4().hex[:6]}@mail.example.com"
    decide(api, org, sign_up(api, org, known), "linked", uuid.uuid4())
    unknown = f"nobody-{uuid.uuid4().hex[:6]}@mail.example.com"
    answers = [request_code(api, org, who, "signin") for who in (known, unknown)]
    assert [a.status_code for a in answers] == [202, 202]
    assert answers[0].json() == answers[1].json()
    assert [c["purpose"] for c in codes(api, unknown)] == []  # nothing sent to nobody
    # Per login: past the limit within the window, refused alike for both.
    limit = api.client.app.state.settings.portal_codes_per_login  # type: ignore[attr-defined]
    for who, before in ((known, 2), (unknown, 1)):
        statuses = [request_code(api, org, who, "reset").status_code for _ in range(limit)]
        assert statuses == [202] * (limit - before) + [429] * before
    # Per address: many logins from one address.
    headers = {"x-client-address": f"10.9.{uuid.uuid4().int % 250}.1"}
    statuses = [
        request_code(
            api, org, f"a{n}-{uuid.uuid4().hex[:4]}@x.example.com", "signin", headers=headers
        ).status_code
        for n in range(21)
    ]
    assert statuses[:20] == [202] * 20
    assert statuses[20] == 429


def test_password_reset_by_code_and_sign_out(api: Api) -> None:
    org = api.sign_up()["organisation"]["id"]
    login = f"reset-{uuid.uuid4().hex[:6]}@mail.example.com"
    decide(api, org, sign_up(api, org, login), "linked", uuid.uuid4())
    refresh = password_sign_in(api, org, login).json()["refresh_token"]
    request_code(api, org, login, "reset")
    body = {
        "organisation_id": org,
        "login": login,
        "code": last_code(api, login, "reset"),
        "password": "another long password",
    }
    assert api.call("POST", "/auth/portal/password-reset", json=body).status_code == 204
    assert api.call("POST", "/auth/portal/password-reset", json=body).status_code == 400
    assert password_sign_in(api, org, login).status_code == 401
    assert password_sign_in(api, org, login, "another long password").status_code == 200
    # The reset ended the sessions signed in before it.
    assert api.call("POST", "/auth/refresh", json={"refresh_token": refresh}).status_code == 401
    # Sign-out revokes the session.
    fresh = password_sign_in(api, org, login, "another long password").json()["refresh_token"]
    assert api.call("POST", "/auth/signout", json={"refresh_token": fresh}).status_code == 204
    assert api.call("POST", "/auth/refresh", json={"refresh_token": fresh}).status_code == 401


def test_bad_input_names_the_field(api: Api) -> None:
    org = api.sign_up()["organisation"]["id"]
    bad = request_code(api, org, "12345", "signin")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "login"
    both = api.call(
        "POST",
        "/auth/portal/token",
        json={
            "organisation_id": org,
            "login": "a@b.example.com",
            "password": "x",
            "code": "123456",
        },
    )
    assert both.status_code == 422


def test_a_sign_up_refuses_control_characters_in_names_naming_the_field(api: Api) -> None:
    org = api.sign_up()["organisation"]["id"]
    login = f"nul-{uuid.uuid4().hex[:6]}@mail.example.com"
    for field, value in [("first_name", "An\u0000na"), ("last_name", "No\u001bwak")]:
        assert request_code(api, org, login, "signup").status_code == 202
        body = {
            "organisation_id": org,
            "login": login,
            "code": last_code(api, login, "signup"),
            "first_name": "Anna",
            "last_name": "Nowak",
            "password": PASSWORD,
        } | {field: value}
        refused = api.call("POST", "/auth/portal/signup", json=body)
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in refused.json()["errors"]] == [field]
    assert api.sql("SELECT 1 FROM portal_accounts WHERE login = $1", login) == []


def test_a_nul_in_a_login_is_422_naming_it_not_a_500(api: Api) -> None:
    """PostgreSQL refuses a NUL in text: a login holding one reached the code's lock."""
    org = api.sign_up()["organisation"]["id"]
    refused = request_code(api, org, "a\u0000b@mail.example.com", "signup")
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"] == [
        {"field": "login", "in": "body", "message": "text may not hold a NUL character"}
    ]
    body = {"organisation_id": org, "login": "x\u0000@mail.example.com", "password": PASSWORD}
    token = api.call("POST", "/auth/portal/token", json=body)
    assert token.status_code == 422, token.text
    assert [e["field"] for e in token.json()["errors"]] == ["login"]
