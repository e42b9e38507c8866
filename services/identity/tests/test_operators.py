"""Operators: a realm of their own (accounts, tokens), every organisation's plan, limits and
suspension through the operator API and the command line, and what staff meet then."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from identity_svc.operators.cli import main as cli
from identity_svc.settings import Settings

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.clients import ClientArchived, ClientRegistered
from crm_platform.internal_auth import Principal

from .conftest import SYSTEM, Api, staff_principal

OPS = "/operator/v1"
PASSWORD = "operators keep the lights on"


def claims_of(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    head, body = (
        json.loads(base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))) for p in token.split(".")[:2]
    )
    return head, body


@pytest.fixture
def cli_env(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IDENTITY_DATABASE_URL", api.db_url)
    monkeypatch.setenv("OPERATOR_PASSWORD", PASSWORD)


def new_operator(api: Api) -> tuple[str, Principal]:
    email = f"ops-{uuid.uuid4().hex[:8]}@crm.example.com"
    assert cli(["create-operator", "--email", email, "--name", "Ops"]) == 0
    operator_id = api.sql("SELECT id FROM operators WHERE email = $1", email)[0]["id"]
    return email, Principal(tenant_id=None, subject=str(operator_id), realm="operator")


def deliver(api: Api, *payloads: Any, tenant: str) -> None:
    envelopes = [
        EventEnvelope(
            type=p.event_type,
            version=p.event_version,
            source="clients",
            tenant_id=uuid.UUID(tenant),
            subject=str(p.client_id),
            time=datetime.now(UTC),
            data=p.model_dump(mode="json"),
        )
        for p in payloads
    ]
    inbox = api.client.app.state.messaging.inbox  # type: ignore[attr-defined]
    assert api.client.portal is not None
    api.client.portal.call(inbox.handle_batch, envelopes)


def registered(n: int) -> list[ClientRegistered]:
    return [
        ClientRegistered(client_id=uuid.uuid4(), first_name=f"C{i}", last_name="N")
        for i in range(n)
    ]


def test_a_new_organisation_takes_the_deployment_default_plan(api: Api) -> None:
    signed = api.sign_up()
    assert signed["organisation"]["plan"] == "standard"
    event = next(
        e
        for e in api.events("identity.organisation_registered")
        if e["tenant_id"] == signed["organisation"]["id"]
    )
    assert event["data"]["plan"] == "standard"
    assert event["data"]["max_active_clients"] is None
    assert Settings(default_plan="free").default_plan == "free"
    with pytest.raises(ValueError, match="default_plan must be one of free, standard"):
        Settings(default_plan="gold")


def test_operator_tokens_are_their_own_realm(api: Api, cli_env: None) -> None:
    email, _ = new_operator(api)
    signed = api.sign_up(password="correct horse battery")
    owner_email = signed["owner"]["email"]
    answer = api.call("POST", "/auth/operator/token", json={"email": email, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    head, body = claims_of(answer.json()["access_token"])
    assert head["typ"] == "operator-at+jwt"
    assert body["aud"] == "crm-operator"
    assert body["realm"] == "operator"
    assert "tid" not in body
    assert "role" not in body
    # The realms do not mix: an operator cannot sign in as staff, nor staff as an operator.
    as_staff = api.call("POST", "/auth/token", json={"email": email, "password": PASSWORD})
    assert as_staff.status_code == 401
    as_operator = api.call(
        "POST",
        "/auth/operator/token",
        json={"email": owner_email, "password": "correct horse battery"},
    )
    assert as_operator.status_code == 401
    refreshed = api.call(
        "POST", "/auth/refresh", json={"refresh_token": answer.json()["refresh_token"]}
    )
    assert refreshed.status_code == 200, refreshed.text
    assert claims_of(refreshed.json()["access_token"])[0]["typ"] == "operator-at+jwt"
    # Only operators reach the operator API, whoever else calls.
    owner = staff_principal(signed["organisation"]["id"], signed["owner"]["id"], "owner")
    portal = Principal(
        tenant_id=uuid.UUID(signed["organisation"]["id"]), subject="p", realm="portal"
    )
    for caller in (owner, portal, SYSTEM):
        refused = api.call("GET", f"{OPS}/organisations", caller)
        assert refused.status_code == 403
        assert refused.json()["detail"] == "only an operator may do this"
    plan = api.call(
        "PUT",
        f"{OPS}/organisations/{signed['organisation']['id']}/plan",
        owner,
        json={"plan": "standard"},
    )
    assert plan.status_code == 403


def test_an_operator_sets_plans_and_limits_and_every_service_hears_it(
    api: Api, cli_env: None
) -> None:
    _, operator = new_operator(api)
    signed = api.sign_up()
    org_id = signed["organisation"]["id"]
    deliver(api, *registered(4), tenant=org_id)
    archived = registered(1)[0]
    deliver(api, archived, ClientArchived(client_id=archived.client_id), tenant=org_id)
    standing = api.call("GET", f"{OPS}/organisations/{org_id}", operator).json()
    assert standing["counts"] == {"active_clients": 4, "branches": 1, "staff": 1}
    assert standing["plan"] == "standard"
    assert standing["status"] == "active"

    too_low = api.call("PUT", f"{OPS}/organisations/{org_id}/plan", operator, json={"plan": "free"})
    assert too_low.status_code == 422
    assert too_low.json()["errors"] == [
        {
            "field": "limits.active_clients",
            "in": "body",
            "message": "the organisation has 4 active clients; a limit of 3 is below that",
        }
    ]
    ok = api.call(
        "PUT",
        f"{OPS}/organisations/{org_id}/plan",
        operator,
        json={"plan": "free", "limits": {"active_clients": 10, "branches": 1}},
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["limits"] == {"active_clients": 10, "branches": 1, "staff": None}
    event = api.events("identity.organisation_plan_changed")[-1]
    assert event["tenant_id"] == org_id
    assert event["data"] | {} == {
        "organisation_id": org_id,
        "plan": "free",
        "max_active_clients": 10,
        "max_branches": 1,
        "max_staff": None,
        "status": "active",
        "suspended_reason": None,
    }
    owner = staff_principal(org_id, signed["owner"]["id"], "owner")
    branch = api.call("POST", "/api/v1/identity/branches", owner, json={"name": "Second"})
    assert branch.status_code == 409
    assert "the free plan allows 1 branches" in branch.json()["detail"]
    listed = api.call("GET", f"{OPS}/organisations", operator, params={"limit": 200}).json()
    assert org_id in [o["id"] for o in listed["items"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"plan": "gold"}, "plan"),
        ({"plan": "free", "limits": {"active_clients": 0}}, "limits.active_clients"),
        ({"plan": "free", "limits": {"seats": 5}}, "limits.seats"),
        ({"plan": "free", "limits": {"staff": "many"}}, "limits.staff"),
        ({"plan": "free", "limits": {"staff": "5"}}, "limits.staff"),
        ({"plan": "free", "limits": {"branches": True}}, "limits.branches"),
        ({"plan": "free", "limits": {"active_clients": 10.0}}, "limits.active_clients"),
        ({}, "plan"),
    ],
)
def test_bad_plans_are_refused_naming_the_field(
    api: Api, cli_env: None, body: dict[str, Any], field: str
) -> None:
    _, operator = new_operator(api)
    org_id = api.sign_up()["organisation"]["id"]
    refused = api.call("PUT", f"{OPS}/organisations/{org_id}/plan", operator, json=body)
    assert refused.status_code == 422
    assert field in [e["field"] for e in refused.json()["errors"]]
    missing = api.call(
        "PUT", f"{OPS}/organisations/{uuid.uuid4()}/plan", operator, json={"plan": "free"}
    )
    assert missing.status_code == 404


def test_a_suspended_organisations_staff_are_refused_with_the_reason(
    api: Api, cli_env: None
) -> None:
    _, operator = new_operator(api)
    signed = api.sign_up(password="correct horse battery")
    org_id, email = signed["organisation"]["id"], signed["owner"]["email"]
    credentials = {"email": email, "password": "correct horse battery"}
    no_reason = api.call("POST", f"{OPS}/organisations/{org_id}/suspend", operator, json={})
    assert no_reason.status_code == 422
    assert [e["field"] for e in no_reason.json()["errors"]] == ["reason"]
    suspended = api.call(
        "POST", f"{OPS}/organisations/{org_id}/suspend", operator, json={"reason": "unpaid"}
    )
    assert suspended.json()["status"] == "suspended"
    refused = api.call("POST", "/auth/token", json=credentials)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "this organisation is suspended: unpaid"
    refresh = api.call(
        "POST", "/auth/refresh", json={"refresh_token": signed["tokens"]["refresh_token"]}
    )
    assert refresh.status_code == 403
    gateway_view = api.call("GET", f"/internal/v1/identity/access/organisations/{org_id}", SYSTEM)
    assert gateway_view.json() == {"status": "suspended", "suspended_reason": "unpaid"}
    assert api.events("identity.organisation_plan_changed")[-1]["data"]["status"] == "suspended"
    api.call("POST", f"{OPS}/organisations/{org_id}/reactivate", operator).raise_for_status()
    assert api.call("POST", "/auth/token", json=credentials).status_code == 200


def test_the_command_line_does_what_the_api_does(
    api: Api, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    org_id = api.sign_up()["organisation"]["id"]
    assert cli(["set-plan", org_id, "free", "--staff", "5", "--branches", "none"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["plan"] == "free"
    assert shown["limits"] == {"active_clients": 3, "branches": None, "staff": 5}
    assert cli(["suspend", org_id, "--reason", "asked to close"]) == 0
    assert json.loads(capsys.readouterr().out)["suspended_reason"] == "asked to close"
    assert cli(["reactivate", org_id]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "active"
    # Listed in pages as the API answers them: {items, next_cursor}, --cursor for the next.
    api.sign_up()
    api.sign_up()  # three at least: two pages of two
    assert cli(["organisations", "--limit", "2"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert len(first["items"]) == 2
    assert first["next_cursor"] is not None
    assert cli(["organisations", "--limit", "2", "--cursor", first["next_cursor"]]) == 0
    second = json.loads(capsys.readouterr().out)
    assert second["items"]
    assert max(o["id"] for o in first["items"]) < min(o["id"] for o in second["items"])
    seen: list[str] = []
    cursor: str | None = None
    while True:
        more = ["--cursor", cursor] if cursor else []
        assert cli(["organisations", "--limit", "200", *more]) == 0
        listed = json.loads(capsys.readouterr().out)
        seen += [o["id"] for o in listed["items"]]
        if (cursor := listed["next_cursor"]) is None:
            break
    assert org_id in seen
    assert len(seen) == len(set(seen))
    with pytest.raises(SystemExit):
        cli(["organisations", "--limit", "0"])
    # Refusals: their detail on stderr, status 1, nothing changed.
    assert cli(["set-plan", org_id, "gold"]) == 1
    assert "invalid plan" in capsys.readouterr().err
    assert cli(["set-plan", org_id, "free", "--staff", "0"]) == 1
    assert "invalid limits.staff" in capsys.readouterr().err
    assert cli(["set-plan", str(uuid.uuid4()), "free"]) == 1
    assert "organisation" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli(["set-plan", "not-an-id", "free"])
    assert (
        api.sql("SELECT plan, max_staff FROM organisations WHERE id = $1", uuid.UUID(org_id))[0][
            "max_staff"
        ]
        == 5
    )


def test_a_plan_limits_staff_users_and_a_limit_below_them_is_refused(
    api: Api, cli_env: None
) -> None:
    _, operator = new_operator(api)
    signed = api.sign_up()
    org_id = signed["organisation"]["id"]
    owner = staff_principal(org_id, signed["owner"]["id"], "owner")
    limited = api.call(
        "PUT",
        f"{OPS}/organisations/{org_id}/plan",
        operator,
        json={"plan": "standard", "limits": {"staff": 2}},
    )
    assert limited.status_code == 200, limited.text

    def add(n: int) -> Any:
        return api.call(
            "POST",
            "/api/v1/identity/staff",
            owner,
            json={
                "email": f"t{n}-{uuid.uuid4().hex[:6]}@school.example.com",
                "name": "Teacher",
                "role": "teacher",
                "password": "correct horse battery",
            },
        )

    assert add(1).status_code == 201
    refused = add(2)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        "the standard plan allows 2 staff users and this organisation has 2; ask for a larger plan"
    )
    below = api.call(
        "PUT",
        f"{OPS}/organisations/{org_id}/plan",
        operator,
        json={"plan": "standard", "limits": {"staff": 1}},
    )
    assert below.status_code == 422
    assert [e["field"] for e in below.json()["errors"]] == ["limits.staff"]
