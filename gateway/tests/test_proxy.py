"""The proxy path: what is passed on, what is stripped, and the limits in front of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from gateway_app.main import create_app
from gateway_app.settings import GatewaySettings

from .world import StandIn, World, new_world, start_stand_ins

Gateway = Callable[..., Any]


@pytest.fixture(scope="module")
def world() -> World:
    return new_world()


@pytest.fixture
async def stand_ins(world: World) -> AsyncIterator[dict[str, StandIn]]:
    started = await start_stand_ins(world)
    yield started
    for stand_in in started.values():
        await stand_in.server.close()


@pytest.fixture
def gateway(stand_ins: dict[str, StandIn]) -> Gateway:
    @asynccontextmanager
    async def open_gateway(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        urls: dict[str, Any] = {f"{n}_url": s.url for n, s in stand_ins.items()}
        app = create_app(GatewaySettings(environment="test", **(urls | overrides)))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("203.0.113.7", 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
                yield client

    return open_gateway


def auth(world: World, actor: str = "owner") -> dict[str, str]:
    return {"Authorization": f"Bearer {world.token(world.actors[actor])}"}


async def test_body_and_query_pass_and_caller_cannot_forge_gateway_headers(
    gateway: Gateway, world: World, stand_ins: dict[str, StandIn]
) -> None:
    async with gateway() as client:
        response = await client.post(
            "/api/v1/billing/catalogue?dry=1",
            json={"amount_minor": 1250},
            headers=auth(world) | {"x-client-address": "10.0.0.1", "x-internal-token": "forged"},
        )
    assert response.status_code == 200
    seen = stand_ins["billing"].received[-1]
    assert seen["query"] == "dry=1"
    assert '"amount_minor":1250' in seen["body"].replace(" ", "")
    assert seen["client_address"] == "203.0.113.7"
    assert response.headers["x-request-id"]


async def test_oversized_bodies_are_413_and_never_reach_a_service(
    gateway: Gateway, world: World, stand_ins: dict[str, StandIn]
) -> None:
    async with gateway(max_body_bytes=1024) as client:
        declared = await client.post(
            "/api/v1/billing/catalogue", content=b"x" * 5000, headers=auth(world)
        )
    assert declared.status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"y" * 500

    async with gateway(max_body_bytes=1024) as client:
        streamed = await client.post(
            "/api/v1/billing/catalogue", content=chunks(), headers=auth(world)
        )
    assert streamed.status_code == 413
    assert stand_ins["billing"].received == []


async def test_rate_limit_per_address_answers_429_with_retry_after(
    gateway: Gateway, world: World
) -> None:
    async with gateway(rate_per_address=1.0, burst_per_address=5) as client:
        statuses = [(await client.post("/auth/token", json={})).status_code for _ in range(8)]
        limited = await client.post("/auth/token", json={})
    assert statuses[:5] == [200] * 5
    assert statuses[5:] == [429] * 3
    assert int(limited.headers["retry-after"]) >= 1


async def test_a_service_that_does_not_answer_is_503(
    gateway: Gateway, world: World, stand_ins: dict[str, StandIn]
) -> None:
    async with gateway() as client:
        await stand_ins["journal"].server.close()
        response = await client.get("/api/v1/journal/groups", headers=auth(world))
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


async def test_cors_preflight_for_configured_origins_only(gateway: Gateway) -> None:
    async with gateway(cors_origins=["https://app.school.example"]) as client:
        allowed = await client.options(
            "/api/v1/identity/me",
            headers={
                "Origin": "https://app.school.example",
                "Access-Control-Request-Method": "GET",
            },
        )
        denied = await client.options(
            "/api/v1/identity/me",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
    assert allowed.headers["access-control-allow-origin"] == "https://app.school.example"
    assert "access-control-allow-origin" not in denied.headers
