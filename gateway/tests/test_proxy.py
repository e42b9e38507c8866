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


async def test_pages_get_the_callers_cookies_and_services_never_do(
    gateway: Gateway, world: World, stand_ins: dict[str, StandIn]
) -> None:
    cookie = {"cookie": "crm_staff=sealed; crm_csrf=token"}
    async with gateway() as client:
        forged = {"x-forwarded-host": "evil.example"}
        page = await client.get("/app/groups/1/journal?month=2026-12", headers=cookie | forged)
        form = await client.post("/app/signin", content=b"email=a", headers=cookie)
        root = await client.get("/", headers=cookie)
        asset = await client.get("/static/vendor/htmx.min.js", headers=cookie)
        api = await client.get("/api/v1/journal/groups", headers=cookie | auth(world))
    assert [r.status_code for r in (page, form, root, asset, api)] == [200] * 5
    pages = stand_ins["web"].received
    assert [r["path"] for r in pages] == [
        "/app/groups/1/journal",
        "/app/signin",
        "/",
        "/static/vendor/htmx.min.js",
    ]
    assert pages[0]["query"] == "month=2026-12"
    assert all(r["cookie"] == cookie["cookie"] for r in pages)
    assert all(r["forwarded_proto"] == "http" for r in pages)
    # the host the caller asked for (a forged forwarded host is not passed on)
    assert all(r["forwarded_host"] == client.base_url.netloc.decode() for r in pages)
    assert pages[0]["principal"]["realm"] == "anonymous"  # the page signs in by itself
    assert stand_ins["journal"].received[-1]["cookie"] is None
    assert stand_ins["journal"].received[-1]["authorization"] is None


async def test_a_page_cannot_be_reached_by_a_path_outside_its_prefixes(gateway: Gateway) -> None:
    async with gateway() as client:
        assert (await client.get("/application")).status_code == 404
        assert (await client.get("/static")).status_code == 404
        assert (await client.put("/app/signin")).status_code == 404


async def test_docs_load_swagger_ui_from_the_gateway_itself(gateway: Gateway) -> None:
    async with gateway() as client:
        docs = await client.get("/docs")
        bundle = await client.get("/docs/assets/swagger-ui-bundle.js")
        css = await client.get("/docs/assets/swagger-ui.css")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower()
    assert "/docs/assets/swagger-ui-bundle.js" in docs.text
    assert bundle.status_code == 200
    assert len(bundle.content) > 500_000
    assert css.status_code == 200


async def test_a_service_address_in_a_response_never_reaches_the_caller(
    gateway: Gateway, world: World, stand_ins: dict[str, StandIn]
) -> None:
    async with gateway() as client:
        own = await client.get("/api/v1/billing/catalogue?redirect=", headers=auth(world))
        away = await client.get(
            "/api/v1/billing/catalogue?redirect=https://files.example.com/a?b=1",
            headers=auth(world),
        )
    assert own.status_code == 307
    assert own.headers["location"] == "/api/v1/billing/catalogue/"
    assert own.headers["content-location"] == "/api/v1/billing/catalogue/"
    internal = {s.url.split("//")[1] for s in stand_ins.values()}
    assert not any(i in str(own.headers) for i in internal)
    # An address that is not a service's is passed on as it is.
    assert away.headers["location"] == "https://files.example.com/a?b=1"
