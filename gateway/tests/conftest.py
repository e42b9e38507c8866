"""Fixtures: six tiny upstream services over real HTTP, and the gateway in front of them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from fastapi import FastAPI

from gateway_app.main import create_app
from gateway_app.settings import UPSTREAMS, GatewaySettings


@dataclass
class Upstream:
    """A stand-in service whose /readyz answers `status`; it remembers who connected."""

    name: str
    server: TestServer
    status: int = 200
    peers: set[tuple[str, int]] = field(default_factory=set)

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")


async def _start_upstream(name: str) -> Upstream:
    upstream: Upstream

    async def readyz(request: web.Request) -> web.Response:
        if request.transport is not None:
            upstream.peers.add(request.transport.get_extra_info("peername"))
        return web.json_response({"service": name}, status=upstream.status)

    app = web.Application()
    app.router.add_get("/readyz", readyz)
    server = TestServer(app, host="127.0.0.1")
    upstream = Upstream(name, server)
    await server.start_server()
    return upstream


@pytest.fixture
async def upstreams() -> AsyncIterator[dict[str, Upstream]]:
    started: dict[str, Upstream] = {}
    try:
        for name in UPSTREAMS:
            started[name] = await _start_upstream(name)
        yield started
    finally:
        for upstream in started.values():
            await upstream.server.close()


@pytest.fixture
async def gateway(upstreams: dict[str, Upstream]) -> AsyncIterator[FastAPI]:
    urls: dict[str, Any] = {f"{name}_url": u.url for name, u in upstreams.items()}
    settings = GatewaySettings(environment="test", **urls)
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def client(gateway: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=gateway)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
        yield client
