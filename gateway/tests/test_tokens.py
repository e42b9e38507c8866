"""Every forged, stale or misdirected token is refused with 401 before reaching a service."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from gateway_app.main import create_app
from gateway_app.settings import GatewaySettings

from .world import StandIn, World, new_key, new_world, start_stand_ins

STAFF_ROUTE = "/api/v1/identity/organisation"
PORTAL_ROUTE = "/portal/v1/overview"


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
async def gateway(stand_ins: dict[str, StandIn]) -> AsyncIterator[httpx.AsyncClient]:
    urls: dict[str, Any] = {f"{n}_url": s.url for n, s in stand_ins.items()}
    app = create_app(GatewaySettings(environment="test", **urls))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned(header: dict[str, Any], claims: dict[str, Any]) -> str:
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}."


def claims_of(world: World, actor_name: str) -> dict[str, Any]:
    token = world.token(world.actors[actor_name])
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def forgeries(world: World) -> dict[str, tuple[str, str]]:
    owner = world.actors["owner"]
    portal = world.actors["portal_x"]
    claims = claims_of(world, "owner")
    public_pem = json.dumps(world.jwks()["keys"][0]).encode()
    head = b64(json.dumps({"alg": "HS256", "typ": "staff-at+jwt", "kid": world.kid}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(public_pem, f"{head}.{body}".encode(), hashlib.sha256).digest()
    hs256 = f"{head}.{body}.{b64(mac)}"
    good = world.token(owner)
    h, _, s = good.split(".")
    other_claims = claims | {"tid": str(world.other_tenant)}
    tampered = f"{h}.{b64(json.dumps(other_claims).encode())}.{s}"
    _, stranger_key = new_key()
    return {
        "alg none": (
            STAFF_ROUTE,
            unsigned({"alg": "none", "typ": "staff-at+jwt", "kid": world.kid}, claims),
        ),
        "HS256 signed with the public key": (STAFF_ROUTE, hs256),
        "wrong audience": (STAFF_ROUTE, world.token(owner, aud="crm-portal")),
        "wrong issuer": (STAFF_ROUTE, world.token(owner, iss="someone-else")),
        "wrong typ": (STAFF_ROUTE, world.token(owner, header={"typ": "JWT"})),
        "expired": (STAFF_ROUTE, world.token(owner, exp=int(time.time()) - 1)),
        "unknown kid": (STAFF_ROUTE, world.token(owner, header={"kid": "nobody"})),
        "signed by an unknown key under a known kid": (
            STAFF_ROUTE,
            world.token(owner, key=stranger_key),
        ),
        "tampered payload": (STAFF_ROUTE, tampered),
        "portal token on a staff route": (STAFF_ROUTE, world.token(portal)),
        "staff token on a portal route": (PORTAL_ROUTE, world.token(owner)),
        "not a JWT": (STAFF_ROUTE, "garbage"),
    }


async def test_the_genuine_token_passes(gateway: httpx.AsyncClient, world: World) -> None:
    good = await gateway.get(
        STAFF_ROUTE, headers={"Authorization": f"Bearer {world.token(world.actors['owner'])}"}
    )
    assert good.status_code == 200
    portal = await gateway.get(
        PORTAL_ROUTE, headers={"Authorization": f"Bearer {world.token(world.actors['portal_x'])}"}
    )
    assert portal.status_code == 200


@pytest.mark.parametrize("case", list(forgeries(new_world())))
async def test_forged_or_misdirected_tokens_are_401(
    gateway: httpx.AsyncClient, world: World, stand_ins: dict[str, StandIn], case: str
) -> None:
    path, token = forgeries(world)[case]
    response = await gateway.get(path, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert all(not s.received for s in stand_ins.values())


async def test_no_token_is_401(gateway: httpx.AsyncClient) -> None:
    assert (await gateway.get(STAFF_ROUTE)).status_code == 401
    assert (
        await gateway.get(STAFF_ROUTE, headers={"Authorization": "Basic abc"})
    ).status_code == 401


async def test_concurrent_first_requests_wait_for_one_jwks_fetch(world: World) -> None:
    from gateway_app.tokens import AccessTokenVerifier

    fetches = 0
    release = asyncio.Event()

    async def fetch() -> dict[str, Any]:
        nonlocal fetches
        fetches += 1
        await release.wait()
        return world.jwks()

    verifier = AccessTokenVerifier(fetch, "crm-identity")
    token = world.token(world.actors["owner"])
    checks = [asyncio.create_task(verifier.verify(token, "staff")) for _ in range(20)]
    await asyncio.sleep(0)
    release.set()
    results = await asyncio.gather(*checks)
    assert fetches == 1
    assert all(r["sub"] == str(world.actors["owner"].user_id) for r in results)
