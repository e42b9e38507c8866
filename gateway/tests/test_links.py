"""Anonymous personal links: the token is resolved by clients on every request (so a revoked
link is 404 at once), the portal gets a read-only principal for that one client and never the
token, and the lookups are rate-limited per caller address."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway_app.main import create_app
from gateway_app.settings import GatewaySettings

from .world import StandIn, World, new_world, start_stand_ins

TOKEN = "k3y-" + "x" * 40


@pytest.fixture
async def world_and_gateway() -> AsyncIterator[tuple[World, dict[str, StandIn], httpx.AsyncClient]]:
    world = new_world()
    stand_ins = await start_stand_ins(world)
    urls: dict[str, Any] = {f"{n}_url": s.url for n, s in stand_ins.items()}
    settings = GatewaySettings(environment="test", burst_per_link_address=5, **urls)
    app: FastAPI = create_app(settings)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                yield world, stand_ins, client
    finally:
        for stand_in in stand_ins.values():
            await stand_in.server.close()


async def test_a_link_opens_its_clients_overview_until_revoked(
    world_and_gateway: tuple[World, dict[str, StandIn], httpx.AsyncClient],
) -> None:
    world, stand_ins, gateway = world_and_gateway
    client = uuid.uuid4()
    world.links[TOKEN] = (world.tenant, client)
    response = await gateway.get(f"/portal/v1/links/{TOKEN}/overview")
    assert response.status_code == 200, response.text
    received = stand_ins["portal"].received[-1]
    assert received["path"] == "/portal/v1/overview"
    assert TOKEN not in str(received)
    assert received["principal"]["realm"] == "anonymous"
    assert received["principal"]["tid"] == str(world.tenant)
    assert received["principal"]["clients"] == [str(client)]
    # Staff revoke the link: the very next request is 404 and never reaches the portal.
    del world.links[TOKEN]
    before = len(stand_ins["portal"].received)
    assert (await gateway.get(f"/portal/v1/links/{TOKEN}/overview")).status_code == 404
    assert (await gateway.get("/portal/v1/links/not-a-token/overview")).status_code == 404
    assert len(stand_ins["portal"].received) == before
    # Writes and other portal routes are not reachable through a link.
    assert (await gateway.post(f"/portal/v1/links/{TOKEN}/overview")).status_code == 404
    assert (await gateway.get(f"/portal/v1/links/{TOKEN}/payments")).status_code == 404


async def test_link_lookups_are_rate_limited_per_address(
    world_and_gateway: tuple[World, dict[str, StandIn], httpx.AsyncClient],
) -> None:
    _, _, gateway = world_and_gateway
    statuses = [
        (await gateway.get(f"/portal/v1/links/guess-{n:036d}/overview")).status_code
        for n in range(6)
    ]
    assert statuses == [404] * 5 + [429]
