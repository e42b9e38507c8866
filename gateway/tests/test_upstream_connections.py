"""Pooled connections to services: forgotten before a service would close them, and a
request that meets a connection closed under it is sent again once when that is safe."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from crm_platform.http_protocol import KEEP_ALIVE_SECONDS
from gateway_app.main import create_app
from gateway_app.settings import GatewaySettings
from gateway_app.upstreams import IDLE_SECONDS

from .world import StandIn, World, new_world, start_stand_ins

CATALOGUE = "/api/v1/billing/catalogue"


@dataclass
class ClosingService:
    """Answers the first request of each connection and closes the connection, unanswered,
    when a second request arrives on it: what a service does to a connection it closes
    as idle just when the gateway reuses it."""

    server: asyncio.Server | None = None
    answered: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        served = 0
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                request_line, *lines = head.decode("latin-1").split("\r\n")
                length = next(
                    (
                        int(v)
                        for k, _, v in (x.partition(":") for x in lines)
                        if k.strip().lower() == "content-length"
                    ),
                    0,
                )
                await reader.readexactly(length)
                if served:
                    self.dropped.append(request_line)
                    break
                served += 1
                self.answered.append(request_line)
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    b"content-length: 2\r\n\r\n{}"
                )
                await writer.drain()
        writer.close()


@pytest.fixture(scope="module")
def world() -> World:
    return new_world()


@pytest.fixture
async def closing() -> AsyncIterator[ClosingService]:
    service = ClosingService()
    service.server = await asyncio.start_server(service.handle, "127.0.0.1", 0)
    yield service
    service.server.close()
    await service.server.wait_closed()


@pytest.fixture
async def client(world: World, closing: ClosingService) -> AsyncIterator[httpx.AsyncClient]:
    stand_ins: dict[str, StandIn] = await start_stand_ins(world)
    urls = {f"{n}_url": s.url for n, s in stand_ins.items()} | {"billing_url": closing.url}
    app = create_app(GatewaySettings(environment="test", **urls))
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as c:
                yield c
    finally:
        for stand_in in stand_ins.values():
            await stand_in.server.close()


def test_idle_connections_are_forgotten_before_a_service_closes_them() -> None:
    assert 0 < IDLE_SECONDS < KEEP_ALIVE_SECONDS


def auth(world: World) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.token(world.actors['owner'])}"}


async def test_a_safe_request_is_sent_again_on_a_fresh_connection(
    client: httpx.AsyncClient, world: World, closing: ClosingService
) -> None:
    for _ in range(3):
        response = await client.get(CATALOGUE, headers=auth(world))
        assert response.status_code == 200, response.text
    keyed = await client.post(
        CATALOGUE, json={"name": "x"}, headers=auth(world) | {"Idempotency-Key": "k1"}
    )
    assert keyed.status_code == 200, keyed.text
    assert len(closing.answered) == 4
    assert closing.dropped  # a reused connection was closed under a request


async def test_a_write_without_a_key_is_not_sent_twice(
    client: httpx.AsyncClient, world: World, closing: ClosingService
) -> None:
    first = await client.post(CATALOGUE, json={"name": "x"}, headers=auth(world))
    assert first.status_code == 200, first.text
    second = await client.post(CATALOGUE, json={"name": "y"}, headers=auth(world))
    assert second.status_code == 503, second.text
    assert second.headers["retry-after"] == "1"
    assert [line.split()[0] for line in closing.answered] == ["POST"]
    assert [line.split()[0] for line in closing.dropped] == ["POST"]
