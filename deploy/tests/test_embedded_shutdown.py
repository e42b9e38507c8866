"""`make run` embedded on a forced exit (a second Ctrl-C, which does not wait for open
requests): each app's own shutdown still runs, and no lifespan is left for the loop's end to
cut off, which uvicorn would print as a traceback (crm_devrun.embedded)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import uvicorn
from fastapi import FastAPI

from crm_devrun.embedded import InLoopServer, Served, _serve, _shutdown
from crm_devrun.ports import listening_socket
from crm_devrun.processes import poll_until


def lifespans_left() -> list[asyncio.Task[object]]:
    return [t for t in asyncio.all_tasks() if "LifespanOn.main" in repr(t.get_coro())]


async def test_a_forced_exit_still_shuts_the_app_down() -> None:
    closed: list[str] = []

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        closed.append("pools closed")

    sock = listening_socket("127.0.0.1", 0)
    config = uvicorn.Config(FastAPI(lifespan=lifespan), lifespan="on", log_level="warning")
    server = InLoopServer(config)
    served = Served(
        "demo", "http://127.0.0.1", server, asyncio.create_task(_serve("demo", server, sock))
    )

    async def started() -> bool | None:
        return True if server.started else None

    await poll_until(started, what="the demo server", within=30.0, interval=0.02)
    assert len(lifespans_left()) == 1
    server.force_exit = True  # the second Ctrl-C
    await _shutdown([served])
    sock.close()
    assert closed == ["pools closed"]
    assert lifespans_left() == []
