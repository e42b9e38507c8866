"""Sign-up, sign-in, tokens, lockout, refresh rotation, reset and invitations."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from identity_svc.main import create_app
from identity_svc.settings import Settings
from joserfc import jwt
from joserfc.jwk import KeySet

from crm_platform.dev_keys import DEV_SEAL_PRIVATE_KEY
from crm_platform.sealing import Opener
from crm_platform.testing import amqp_url

from .conftest import SYSTEM, Api


def verify(api: Api, token: str) -> dict[str, object]:
    keys = KeySet.import_key_set(api.call("GET", "/auth/jwks").json())
    decoded = jwt.decode(token, keys, algorithms=["Ed25519"])
    return {"header": decoded.header, **decoded.claims}


def test_sign_up_creates_organisation_branch_owner_and_signed_tokens(api: Api) -> None:
    body = api.sign_up()
    claims = verify(api, body["tokens"]["access_token"])
    assert claims["header"]["typ"] == "staff-at+jwt"  # type: ignore[index]
    assert claims["aud"] == "crm-staff"
    assert claims["iss"] == "crm-identity"
    assert claims["tid"] == body["organisation"]["id"]
    assert claims["sub"] == body["owner"]["id"]
    assert claims["role"] == "owner"
    assert int(claims["exp"]) - int(claims["iat"]) == 15 * 60  # type: ignore[call-overload]
    registered = [
        e
        for e in api.events("identity.organisation_registered")
        if e["tenant_id"] == body["organisation"]["id"]
    ]
    assert len(registered) == 1
    assert registered[0]["data"]["first_branch_id"] == body["branch"]["id"]


def test_password_hashes_are_argon2id_at_owasp_parameters(api: Api) -> None:
    email = f"hash-{uuid.uuid4().hex[:6]}@school.example.com"
    api.sign_up(email)
    (row,) = api.sql("SELECT password_hash FROM staff_users WHERE email = $1", email)
    stored: str = row["password_hash"]
    assert stored.startswith("$argon2id$")
    params = dict(p.split("=") for p in stored.split("$")[3].split(","))
    assert int(params["m"]) >= 19 * 1024
    assert int(params["t"]) >= 2


def test_sign_up_names_every_bad_field(api: Api) -> None:
    response = api.call(
        "POST",
        "/auth/signup",
        json={
            "organisation": {"name": "", "currency": "zl", "time_zone": "Mars/Base"},
            "owner": {"name": "X", "email": "not-an-email", "password": "short"},
        },
    )
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "organisation.name",
        "organisation.currency",
        "organisation.time_zone",
        "owner.email",
        "owner.password",
    }


def test_an_email_signs_up_once(api: Api) -> None:
    email = f"dup-{uuid.uuid4().hex[:6]}@school.example.com"
    api.sign_up(email)
    again = api.call(
        "POST",
        "/auth/signup",
        json={
            "organisation": {"name": "B", "currency": "EUR", "time_zone": "UTC"},
            "owner": {"name": "B", "email": email.upper(), "password": "another long one"},
        },
    )
    assert again.status_code == 409


def test_wrong_password_and_unknown_account_get_the_same_answer(api: Api) -> None:
    email = f"same-{uuid.uuid4().hex[:6]}@school.example.com"
    api.sign_up(email)
    wrong = api.call("POST", "/auth/token", json={"email": email, "password": "wrong password"})
    unknown = api.call(
        "POST", "/auth/token", json={"email": f"x{email}", "password": "wrong password"}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "invalid email or password"
    good = api.call(
        "POST", "/auth/token", json={"email": email, "password": "correct horse battery"}
    )
    assert good.status_code == 200
    assert verify(api, good.json()["access_token"])["role"] == "owner"


def test_refresh_rotates_and_a_reused_token_revokes_the_family(api: Api) -> None:
    first = api.sign_up()["tokens"]
    second = api.call("POST", "/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    second_tokens = second.json()
    assert second_tokens["refresh_token"] != first["refresh_token"]
    assert (
        verify(api, second_tokens["access_token"])["sid"]
        == verify(api, first["access_token"])["sid"]
    )
    reused = api.call("POST", "/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    # The thief's reuse ended the session: the legitimate newest token is dead too.
    after = api.call(
        "POST", "/auth/refresh", json={"refresh_token": second_tokens["refresh_token"]}
    )
    assert after.status_code == 401


def test_sign_out_ends_the_session(api: Api) -> None:
    tokens = api.sign_up()["tokens"]
    assert (
        api.call(
            "POST", "/auth/signout", json={"refresh_token": tokens["refresh_token"]}
        ).status_code
        == 204
    )
    assert (
        api.call(
            "POST", "/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        ).status_code
        == 401
    )


def test_password_reset_by_emailed_token(api: Api) -> None:
    email = f"reset-{uuid.uuid4().hex[:6]}@school.example.com"
    api.sign_up(email)
    unknown = api.call("POST", "/auth/password-reset", json={"email": f"nobody{email}"})
    known = api.call("POST", "/auth/password-reset", json={"email": email})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()
    events = [
        e for e in api.events("identity.password_reset_requested") if e["data"]["email"] == email
    ]
    assert len(events) == 1
    assert events[0]["version"] == 2
    token = Opener(DEV_SEAL_PRIVATE_KEY).open("reset", events[0]["data"]["sealed_token"])
    done = api.call(
        "POST",
        "/auth/password-reset/confirm",
        json={"token": token, "password": "brand new secret"},
    )
    assert done.status_code == 204
    assert (
        api.call(
            "POST", "/auth/token", json={"email": email, "password": "brand new secret"}
        ).status_code
        == 200
    )
    assert (
        api.call(
            "POST", "/auth/token", json={"email": email, "password": "correct horse battery"}
        ).status_code
        == 401
    )
    again = api.call(
        "POST",
        "/auth/password-reset/confirm",
        json={"token": token, "password": "third new secret"},
    )
    assert again.status_code == 400


def test_portal_accounts_are_a_separate_realm(api: Api) -> None:
    org = api.sign_up()["organisation"]
    client_id = str(uuid.uuid4())
    created = api.call(
        "POST",
        "/internal/v1/identity/portal-accounts",
        SYSTEM,
        json={
            "tenant_id": org["id"],
            "login": "Parent@Mail.example.com",
            "password": "portal password",
            "client_ids": [client_id],
        },
    )
    assert created.status_code == 201, created.text
    tokens = api.call(
        "POST",
        "/auth/portal/token",
        json={
            "organisation_id": org["id"],
            "login": "parent@mail.example.com",
            "password": "portal password",
        },
    )
    assert tokens.status_code == 200
    claims = verify(api, tokens.json()["access_token"])
    assert claims["aud"] == "crm-portal"
    assert claims["header"]["typ"] == "portal-at+jwt"  # type: ignore[index]
    assert claims["clients"] == [client_id]
    # A staff sign-in with the portal credentials is refused.
    staff = api.call(
        "POST",
        "/auth/token",
        json={"email": "parent@mail.example.com", "password": "portal password"},
    )
    assert staff.status_code == 401


def test_a_direct_call_without_the_gateway_token_is_401(api: Api) -> None:
    response = api.client.post("/auth/token", json={"email": "a@b.example.com", "password": "x"})
    assert response.status_code == 401
    assert api.client.get("/auth/jwks").status_code == 401


@pytest.fixture(scope="module")
def slow(api: Api) -> Iterator[Api]:
    """The same database, with delays long enough that none passes during a test."""
    settings = Settings(
        database_url=api.db_url.replace("postgresql://", "postgresql+asyncpg://", 1),
        amqp_url=amqp_url(),
        db_pool_size=2,
        lockout_first_delay_seconds=60,
    )
    with TestClient(create_app(settings)) as client:
        yield Api(client, api.db_url)


def _sign_in(api: Api, email: str, password: str, address: str) -> Any:
    return api.call(
        "POST",
        "/auth/token",
        json={"email": email, "password": password},
        headers={"x-client-address": address},
    )


def test_hundred_wrong_passwords_in_a_minute_wait_even_for_the_right_one(slow: Api) -> None:
    """Delays are long (60 s) in `slow`, so none can pass during the test however slow the
    machine: after five failures every attempt from that address waits, the right one too."""
    email = f"lock-{uuid.uuid4().hex[:6]}@school.example.com"
    address = f"192.0.2.{uuid.uuid4().int % 250}"
    slow.sign_up(email)
    statuses = [_sign_in(slow, email, f"guess {i}", address).status_code for i in range(100)]
    assert statuses == [401] * 5 + [429] * 95
    right = _sign_in(slow, email, "correct horse battery", address)
    assert right.status_code == 429
    assert 1 <= int(right.headers["retry-after"]) <= 60


def test_guesses_are_slowed_but_never_keep_the_owner_out(slow: Api) -> None:
    """A fuzzer or an attacker at the owner's own address, and guesses on the owner's
    account from elsewhere, slow the guesser down more after each failure; the owner,
    signed in from that address before, still gets in with the right password."""
    api = slow
    home, elsewhere = f"198.51.100.{uuid.uuid4().int % 250}", f"203.0.113.{uuid.uuid4().int % 250}"
    owner = f"owner-{uuid.uuid4().hex[:6]}@school.example.com"
    newcomer = f"new-{uuid.uuid4().hex[:6]}@school.example.com"
    api.sign_up(owner)
    api.sign_up(newcomer)
    assert _sign_in(api, owner, "correct horse battery", home).status_code == 200

    # Guesses at other accounts from the owner's address: past fifty, each waits.
    guesses = [
        _sign_in(api, f"nobody-{i}@school.example.com", "guess", home).status_code
        for i in range(55)
    ]
    assert guesses == [401] * 50 + [429] * 5
    # An account never signed in from here waits too, even with the right password...
    waiting = _sign_in(api, newcomer, "correct horse battery", home)
    assert waiting.status_code == 429
    assert 1 <= int(waiting.headers["retry-after"]) <= 60
    # ...but the owner, known at this address, gets in.
    assert _sign_in(api, owner, "correct horse battery", home).status_code == 200

    # Guesses at the owner's account from elsewhere: that address waits after five...
    away = [_sign_in(api, owner, f"guess {i}", elsewhere) for i in range(8)]
    assert [r.status_code for r in away] == [401] * 5 + [429] * 3
    assert {int(r.headers["retry-after"]) for r in away[5:]} <= set(range(55, 61))
    # ...the right password too, there, until the wait is over; at home the owner gets in.
    assert _sign_in(api, owner, "correct horse battery", elsewhere).status_code == 429
    assert _sign_in(api, owner, "correct horse battery", home).status_code == 200
