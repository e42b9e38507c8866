"""A body past the limit is a 413 problem document, announced or streamed, on a route
FastAPI reads as on a fast route."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI, Request
from starlette.responses import Response

from crm_platform.body_limit import BodyLimit
from crm_platform.errors import install_problem_handlers
from crm_platform.fast_routes import FastRequest, FastRoute, FastRoutes
from crm_platform.http_protocol import MAX_BODY_BYTES


async def fast(request: FastRequest) -> Response:
    return Response(f"fast {len(request.body)}")


def app() -> FastAPI:
    made = FastAPI()
    install_problem_handlers(made)

    @made.post("/echo")
    async def echo(request: Request) -> Response:
        return Response(f"read {len(await request.body())}")

    made.add_middleware(FastRoutes, routes=[FastRoute("POST", "/fast/{thing_id}", fast)])
    made.add_middleware(BodyLimit)
    return made


async def chunks(total: int) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        part = min(1 << 20, total - sent)
        sent += part
        yield b" " * part


@pytest.mark.parametrize("path", ["/echo", f"/fast/{uuid.uuid4()}"])
@pytest.mark.parametrize("streamed", [False, True], ids=["announced", "streamed"])
async def test_over_the_limit_is_a_413_problem(path: str, streamed: bool) -> None:
    transport = httpx.ASGITransport(app=app())
    headers = {"content-type": "application/json"}
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        size = MAX_BODY_BYTES + 1
        body = chunks(size) if streamed else b" " * size
        refused = await client.post(path, content=body, headers=headers)
        assert refused.status_code == 413
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["title"] == "Content Too Large"
        taken = await client.post(path, content=b" " * 1000, headers=headers)
        assert taken.status_code == 200
        assert taken.text.endswith("1000")
