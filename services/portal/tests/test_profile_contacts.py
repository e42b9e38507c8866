"""A change of email or phone waits ("confirming") until identity says the account proved the
new address; a proof of another account, or of another address, sends nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

from crm_contracts.events import identity as i
from crm_platform.internal_auth import Principal

from .conftest import Api, Org, P, account


def sent_requests(api: Api) -> list[str]:
    rows = api.sql("SELECT body FROM outbox WHERE event_type = 'portal.profile_change_requested'")
    return [json.loads(r["body"])["data"]["request_id"] for r in rows]


def ask(api: Api, org: Org, parent: Principal, **changes: Any) -> Any:
    return api.ok(
        "POST",
        f"{P}/profile/requests",
        parent,
        202,
        params={"client_id": str(org.child)},
        json=changes,
    )


def proven(api: Api, org: Org, parent: Principal, login: str) -> None:
    channel = "email" if "@" in login else "phone"
    proof = i.PortalContactProven(
        account_id=uuid.UUID(parent.subject), login=login, channel=channel
    )
    assert api.deliver(org, proof) == ["done"]


def state(api: Api, org: Org, parent: Principal, request_id: str) -> tuple[str, list[str]]:
    profile = api.get(f"{P}/profile", parent, client_id=org.child)
    [found] = [r for r in profile["requests"] if r["request_id"] == request_id]
    return found["status"], found["unconfirmed"]


def test_a_new_email_and_phone_wait_for_their_proofs(api: Api, org: Org) -> None:
    parent = account(org.tenant, org.parent)
    asked = ask(api, org, parent, email="Anna.New@Mail.example.com", phone="+48 601 (200) 300")
    assert (asked["status"], asked["unconfirmed"]) == (
        "confirming",
        ["anna.new@mail.example.com", "+48601200300"],
    )
    assert asked["request_id"] not in sent_requests(api)
    # Another account's proof, or a proof of another address, sends nothing.
    stranger = account(org.tenant, org.parent)
    proven(api, org, stranger, "anna.new@mail.example.com")
    proven(api, org, parent, "someone.else@mail.example.com")
    assert state(api, org, parent, asked["request_id"]) == (
        "confirming",
        ["anna.new@mail.example.com", "+48601200300"],
    )
    proven(api, org, parent, "anna.new@mail.example.com")
    assert state(api, org, parent, asked["request_id"]) == ("confirming", ["+48601200300"])
    assert asked["request_id"] not in sent_requests(api)
    proven(api, org, parent, "+48601200300")
    assert state(api, org, parent, asked["request_id"]) == ("sent", [])
    assert sent_requests(api).count(asked["request_id"]) == 1
    # The proof delivered again sends nothing twice.
    proven(api, org, parent, "+48601200300")
    assert sent_requests(api).count(asked["request_id"]) == 1


def test_a_proof_before_the_request_counts_at_once(api: Api, org: Org) -> None:
    parent = account(org.tenant, org.parent)
    proven(api, org, parent, "early@mail.example.com")
    asked = ask(api, org, parent, email="early@mail.example.com", last_name="Nowak")
    assert (asked["status"], asked["unconfirmed"]) == ("sent", [])
    assert asked["request_id"] in sent_requests(api)
    # Names alone need no proof.
    named = ask(api, org, parent, first_name="Janek")
    assert (named["status"], named["unconfirmed"]) == ("sent", [])


def test_a_phone_not_in_international_form_is_refused_by_name(api: Api, org: Org) -> None:
    parent = account(org.tenant, org.parent)
    for phone in ("601 200 300", "+0 601", "call me"):
        refused = api.call(
            "POST",
            f"{P}/profile/requests",
            parent,
            params={"client_id": str(org.child)},
            json={"phone": phone},
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["phone"]
    mine = "SELECT count(*) AS n FROM profile_requests WHERE tenant_id = $1"
    assert api.sql(mine, org.tenant)[0]["n"] == 0
