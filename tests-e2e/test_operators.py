"""Operators through the gateway: a free organisation meets the three-client wall, an operator
raises its plan and the fourth client is accepted; limits below the count, callers who are
not operators, and a suspension with its reason."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from typing import Any

import httpx

from crm_devrun.processes import poll_until

from .conftest import DATABASE_URLS
from .test_access import bearer, sign_up

CLIENTS = "/api/v1/clients/clients"
ORGS = "/operator/v1/organisations"
WITHIN = 30.0


async def add_client(gateway: httpx.AsyncClient, owner: dict[str, str], name: str) -> int:
    answer = await gateway.post(CLIENTS, headers=owner, json={"first_name": name, "last_name": "N"})
    return answer.status_code


async def test_an_operator_raises_a_free_organisations_plan_and_its_fourth_client_is_accepted(
    gateway: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    signed = await sign_up(gateway, "Hosted school")
    org_id, owner = signed["organisation"]["id"], bearer(signed["tokens"])
    assert signed["organisation"]["plan"] == "standard"  # the deployment's default
    free = await gateway.put(f"{ORGS}/{org_id}/plan", headers=operator, json={"plan": "free"})
    assert free.status_code == 200, free.text
    assert free.json()["limits"]["active_clients"] == 3
    assert [await add_client(gateway, owner, f"P{i}") for i in range(3)] == [201] * 3
    refused = await gateway.post(CLIENTS, headers=owner, json={"first_name": "D", "last_name": "N"})
    assert refused.status_code == 409
    assert "free plan allows 3 active clients" in refused.json()["detail"]

    # Not an operator: the owner cannot raise their own plan.
    own = await gateway.put(f"{ORGS}/{org_id}/plan", headers=owner, json={"plan": "standard"})
    assert own.status_code == 403

    async def too_low() -> dict[str, Any] | None:
        answer = await gateway.put(
            f"{ORGS}/{org_id}/plan",
            headers=operator,
            json={"plan": "free", "limits": {"active_clients": 2}},
        )
        return answer.json() if answer.status_code == 422 else None

    problem = await poll_until(too_low, within=WITHIN, what="identity counting three clients")
    assert problem["errors"][0]["field"] == "limits.active_clients"

    raised = await gateway.put(f"{ORGS}/{org_id}/plan", headers=operator, json={"plan": "standard"})
    assert raised.json()["limits"]["active_clients"] is None

    async def fourth() -> int | None:
        status = await add_client(gateway, owner, "Fourth")
        return status if status == 201 else None

    await poll_until(fourth, within=WITHIN, what="the raised plan reaching clients")
    listed = await gateway.get(ORGS, headers=operator, params={"limit": 200})
    mine = next(o for o in listed.json()["items"] if o["id"] == org_id)
    assert mine["plan"] == "standard"


async def test_a_suspended_organisations_staff_are_refused_with_the_reason(
    gateway: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    signed = await sign_up(gateway, "Closing school")
    org_id, owner = signed["organisation"]["id"], bearer(signed["tokens"])
    assert (await gateway.get(CLIENTS, headers=owner)).status_code == 200
    suspended = await gateway.post(
        f"{ORGS}/{org_id}/suspend", headers=operator, json={"reason": "unpaid since May"}
    )
    assert suspended.status_code == 200, suspended.text

    async def refused() -> dict[str, Any] | None:
        answer = await gateway.get(CLIENTS, headers=owner)
        return answer.json() if answer.status_code == 403 else None

    problem = await poll_until(refused, within=WITHIN, what="the gateway hearing the suspension")
    assert problem["detail"] == "this organisation is suspended: unpaid since May"
    reactivated = await gateway.post(f"{ORGS}/{org_id}/reactivate", headers=operator)
    assert reactivated.json()["status"] == "active"

    async def served() -> bool | None:
        return True if (await gateway.get(CLIENTS, headers=owner)).status_code == 200 else None

    await poll_until(served, within=WITHIN, what="the gateway hearing the reactivation")


def operators_command(*args: str) -> dict[str, Any]:
    """`python -m identity_svc.operators ...` as an operator runs it, on identity's database
    while the system runs: its answer (JSON on stdout)."""
    env = os.environ | {"IDENTITY_DATABASE_URL": DATABASE_URLS["identity"]}
    done = subprocess.run(
        [sys.executable, "-m", "identity_svc.operators", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


async def test_the_command_line_limits_and_suspends_an_organisation_in_the_running_system(
    gateway: httpx.AsyncClient, operator: dict[str, str]
) -> None:
    """The command line writes on identity's database; the running identity publishes the
    change, and clients and the gateway act on it as on the operator API's."""
    signed = await sign_up(gateway, "Command-line school")
    org_id, owner = signed["organisation"]["id"], bearer(signed["tokens"])
    limited = await asyncio.to_thread(
        operators_command, "set-plan", org_id, "free", "--active-clients", "1"
    )
    assert (limited["plan"], limited["limits"]["active_clients"]) == ("free", 1)

    async def refused_a_client() -> dict[str, Any] | None:
        answer = await gateway.post(
            CLIENTS, headers=owner, json={"first_name": "Next", "last_name": "N"}
        )
        assert answer.status_code in (201, 409), answer.text
        return answer.json() if answer.status_code == 409 else None

    problem = await poll_until(refused_a_client, within=WITHIN, what="clients hearing the plan")
    assert "the free plan allows 1 active clients" in problem["detail"]
    shown = await gateway.get(f"{ORGS}/{org_id}", headers=operator)
    assert shown.json()["limits"]["active_clients"] == 1

    suspended = await asyncio.to_thread(
        operators_command, "suspend", org_id, "--reason", "closed for the summer"
    )
    assert suspended["status"] == "suspended"

    async def staff_refused() -> dict[str, Any] | None:
        answer = await gateway.get(CLIENTS, headers=owner)
        return answer.json() if answer.status_code == 403 else None

    problem = await poll_until(staff_refused, within=WITHIN, what="the gateway hearing it")
    assert problem["detail"] == "this organisation is suspended: closed for the summer"
    assert (await asyncio.to_thread(operators_command, "reactivate", org_id))["status"] == "active"

    async def served() -> bool | None:
        return True if (await gateway.get(CLIENTS, headers=owner)).status_code == 200 else None

    await poll_until(served, within=WITHIN, what="the gateway hearing the reactivation")
