"""The gateway is ready exactly when every upstream's /readyz answers 200 (real HTTP)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from gateway_app.main import create_app
from gateway_app.settings import UPSTREAMS, GatewaySettings
from gateway_app.upstreams import UpstreamPool

from .conftest import Upstream


async def test_healthz_answers_without_asking_upstreams(
    client: httpx.AsyncClient, upstreams: dict[str, Upstream]
) -> None:
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert all(not u.peers for u in upstreams.values())


async def test_ready_when_every_upstream_is_ready(client: httpx.AsyncClient) -> None:
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert "database" not in body["checks"]
    for name in UPSTREAMS:
        assert body["checks"][name] == "ok"


async def test_degraded_names_the_upstream_that_answers_503(
    client: httpx.AsyncClient, upstreams: dict[str, Upstream]
) -> None:
    upstreams["billing"].status = 503
    response = await client.get("/readyz")
    assert response.status_code == 200  # still serving the other five
    assert response.json()["status"] == "degraded"
    checks = response.json()["checks"]
    assert checks["billing"] == "failed: UpstreamNotReadyError"
    assert all(checks[name] == "ok" for name in UPSTREAMS if name != "billing")


async def test_degraded_names_the_upstream_that_is_down(
    client: httpx.AsyncClient, upstreams: dict[str, Upstream]
) -> None:
    await upstreams["journal"].server.close()
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    checks = response.json()["checks"]
    assert checks["journal"].startswith("failed: ")
    assert all(checks[name] == "ok" for name in UPSTREAMS if name != "journal")


async def test_ready_again_once_the_upstream_recovers(
    client: httpx.AsyncClient, upstreams: dict[str, Upstream]
) -> None:
    upstreams["portal"].status = 503
    assert (await client.get("/readyz")).json()["status"] == "degraded"
    upstreams["portal"].status = 200
    assert (await client.get("/readyz")).json()["status"] == "ready"


async def test_checks_share_one_pooled_session(
    client: httpx.AsyncClient, gateway: FastAPI, upstreams: dict[str, Upstream]
) -> None:
    pool: UpstreamPool = gateway.state.upstreams
    session = pool.session
    for _ in range(3):
        assert (await client.get("/readyz")).status_code == 200
    assert pool.session is session
    # Keep-alive through the one pool: every check reached each upstream on one connection.
    assert all(len(u.peers) == 1 for u in upstreams.values())


async def test_pool_is_closed_when_the_app_stops() -> None:
    app = create_app(GatewaySettings(environment="test"))
    pool: UpstreamPool = app.state.upstreams
    async with app.router.lifespan_context(app):
        session = pool.session
    assert session.closed
