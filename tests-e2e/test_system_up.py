"""The system comes up as separate processes and the gateway reports on every service."""

from __future__ import annotations

import httpx

from crm_devrun.processes import poll_until, wait_ready
from crm_devrun.system import System
from gateway_app.settings import UPSTREAMS

from .test_access import bearer, sign_up

WITHIN_SECONDS = 30.0


async def test_gateway_is_alive(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_gateway_is_ready_with_all_six_upstreams(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert {name: body["checks"].get(name) for name in UPSTREAMS} == dict.fromkeys(UPSTREAMS, "ok")


async def test_answers_through_the_gateway_carry_each_header_once(
    gateway: httpx.AsyncClient,
) -> None:
    school = await sign_up(gateway, "One header each")
    for path in ("/api/v1/clients/clients", "/api/v1/identity/branches", "/no/such/route"):
        response = await gateway.get(path, headers=bearer(school["tokens"]))
        names = [name.lower() for name, _ in response.headers.multi_items()]
        assert sorted(names) == sorted(set(names)), (path, response.headers)
        assert {"date", "server", "x-request-id", "x-correlation-id"} <= set(names)


async def test_gateway_serves_its_api_documentation(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get("/docs")).status_code == 200
    assert (await gateway.get("/openapi.json")).json()["info"]["title"]


async def test_gateway_names_a_dead_service_until_it_is_back(
    system: System, gateway: httpx.AsyncClient
) -> None:
    billing = system.services["billing"]
    billing.kill()  # a crash: no graceful shutdown

    async def billing_reported_down() -> dict[str, str] | None:
        response = await gateway.get("/readyz")
        if response.json()["status"] != "degraded":
            return None
        checks: dict[str, str] = response.json()["checks"]
        return checks if checks["billing"].startswith("failed") else None

    checks = await poll_until(
        billing_reported_down, what="the gateway to report billing down", within=WITHIN_SECONDS
    )
    assert all(checks[name] == "ok" for name in UPSTREAMS if name != "billing"), checks

    billing.start()
    await wait_ready([billing], within=WITHIN_SECONDS * 2)

    async def gateway_ready() -> bool | None:
        return True if (await gateway.get("/readyz")).json()["status"] == "ready" else None

    await poll_until(gateway_ready, what="the gateway to be ready again", within=WITHIN_SECONDS)
