"""Embedded mode: every service and the gateway as uvicorn servers in one event loop.

The services find no AMQP URL and so share crm_messaging's in-process bus, through the same
outbox and inbox code as in distributed mode.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import signal
import socket
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import uvicorn

from crm_devrun.catalogue import GATEWAY, SERVICES, ServiceSpec, prepare_database
from crm_devrun.config import Plan, redacted
from crm_devrun.ports import listening_socket
from crm_devrun.processes import NotReadyError, poll_until
from crm_platform.db_admin import with_database
from crm_platform.http_protocol import HttpProtocol
from crm_platform.settings import ServiceSettings, var_dir

SHUTDOWN_TIMEOUT_SECONDS = 20.0
# One Ctrl-C under `make run` reaches this process twice: from the terminal (the whole
# foreground group) and forwarded by `uv run`. A second signal this soon after the first is
# that same keypress; only a later one means "do not wait" (which skips the apps' shutdown).
SAME_KEYPRESS_SECONDS = 1.0


class StartupFailedError(RuntimeError):
    pass


class InLoopServer(uvicorn.Server):
    """A uvicorn server that shares its loop with others: the runner handles the signals.

    (uvicorn's own handling would replace one server's handlers with the next one's and
    re-raise the signal after shutting down.)
    """

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Served:
    name: str
    url: str
    server: InLoopServer
    task: asyncio.Task[None]


async def _serve(name: str, server: InLoopServer, sock: socket.socket) -> None:
    try:
        await server.serve(sockets=[sock])
    except SystemExit as exc:  # uvicorn's answer to a failed lifespan startup
        raise StartupFailedError(f"{name} failed to start") from exc


def _launch(spec: ServiceSpec, settings: ServiceSettings, sock: socket.socket) -> Served:
    # Each app gets its own context, so its logs carry its own service name.
    context = contextvars.copy_context()
    app = context.run(spec.create_app, settings)
    host, port = sock.getsockname()[:2]
    # uvicorn's loggers are shared by the seven servers: its own lines (seven of each)
    # are kept to warnings; the apps' structured logs are unaffected.
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        lifespan="on",
        timeout_graceful_shutdown=5,
        log_level="warning",
        access_log=False,
        http=HttpProtocol,
    )
    server = InLoopServer(config)
    task = asyncio.create_task(_serve(spec.name, server, sock), name=spec.name, context=context)
    return Served(spec.name, f"http://{host}:{port}", server, task)


def _failure(served: list[Served]) -> BaseException | None:
    for s in served:
        if s.task.done():
            if s.task.cancelled():
                return StartupFailedError(f"{s.name} was cancelled")
            return s.task.exception() or StartupFailedError(f"{s.name} stopped on its own")
    return None


async def _wait_ready(served: list[Served], gateway_url: str, within: float) -> None:
    last = "no answer"
    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:

        async def probe() -> bool | None:
            nonlocal last
            if (failure := _failure(served)) is not None:
                raise failure
            if not all(s.server.started for s in served):
                return None
            try:
                response = await client.get(f"{gateway_url}/readyz")
            except httpx.HTTPError as exc:
                last = type(exc).__name__
                return None
            last = response.text[:500]
            # "ready", not just 200: the gateway stays in service while a service is down.
            ok = response.status_code == 200 and response.json().get("status") == "ready"
            return True if ok else None

        try:
            await poll_until(probe, what="the gateway to be ready", within=within)
        except NotReadyError as exc:
            raise NotReadyError(f"{exc}; its /readyz said: {last}") from exc


async def _shutdown(served: list[Served]) -> None:
    """The gateway first (no new traffic), then every service together."""
    gateway = [s for s in served if s.name == GATEWAY.name]
    services = [s for s in served if s.name != GATEWAY.name]
    for group in (gateway, services):
        for s in group:
            s.server.should_exit = True
        tasks = [s.task for s in group]
        if not tasks:
            continue
        _, still = await asyncio.wait(tasks, timeout=SHUTDOWN_TIMEOUT_SECONDS)
        for task in still:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for s in group:
            await _forced_apps_shutdown(s.server)


async def _forced_apps_shutdown(server: InLoopServer) -> None:
    """A forced exit (a second Ctrl-C) does not wait for open requests, and uvicorn then skips
    the app's own shutdown too: its lifespan task, cut off when the loop ends, prints a
    traceback and the app's connections are never closed. Run that shutdown here, bounded."""
    lifespan = getattr(server, "lifespan", None)  # set once the server began to start
    done = getattr(lifespan, "shutdown_event", None)  # lifespan="on", as _launch sets it
    if not server.force_exit or lifespan is None or done is None or done.is_set():
        return
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(lifespan.shutdown(), SHUTDOWN_TIMEOUT_SECONDS)


async def run_embedded(plan: Plan, ready_timeout: float = 60.0) -> int:
    settings: dict[str, ServiceSettings] = {}
    for spec in SERVICES:
        url = (
            with_database(plan.database_url, f"{plan.database_prefix}_{spec.name}")
            if plan.database_url
            else ""
        )
        settings[spec.name] = spec.settings(
            database_url=url,
            amqp_url="",
            db_pool_size=plan.pool_size,
            environment=plan.environment,
        )
    where = (
        f"{plan.database_prefix}_<service> on {redacted(plan.database_url)}"
        if plan.database_url
        else f"SQLite files under {var_dir()}"
    )
    print(f"embedded mode: one process, in-process bus, databases: {where}", flush=True)
    for spec in SERVICES:
        await prepare_database(spec, settings[spec.name].resolved_database_url())

    sockets = {spec.name: listening_socket(plan.host, spec.default_port) for spec in SERVICES}
    gateway_socket = listening_socket(plan.host, plan.gateway_port)
    upstreams = {
        f"{name}_url": f"http://{plan.host}:{sock.getsockname()[1]}"
        for name, sock in sockets.items()
    }
    gateway_settings = GATEWAY.settings(environment=plan.environment, **upstreams)
    gateway_address = f"http://{plan.host}:{gateway_socket.getsockname()[1]}"
    for spec in SERVICES:
        if spec.calls_the_gateway:
            settings[spec.name] = settings[spec.name].model_copy(
                update={"gateway_url": gateway_address}
            )

    logging.getLogger("httpx").setLevel(logging.WARNING)  # our own readiness polls
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    served: list[Served] = []
    first_signal_at: float | None = None

    def on_signal() -> None:
        nonlocal first_signal_at
        now = loop.time()
        if first_signal_at is None:
            first_signal_at = now
        elif now - first_signal_at > SAME_KEYPRESS_SECONDS:
            for s in served:  # a second Ctrl-C: do not wait for open requests
                s.server.force_exit = True
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, on_signal)
    code = 0
    stopping = asyncio.create_task(stop.wait())
    waiting: asyncio.Task[None] | None = None
    try:
        for spec in SERVICES:
            served.append(_launch(spec, settings[spec.name], sockets[spec.name]))
        served.append(_launch(GATEWAY, gateway_settings, gateway_socket))
        gateway_url = served[-1].url

        waiting = asyncio.create_task(_wait_ready(served, gateway_url, ready_timeout))
        await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not stop.is_set():
            waiting.result()  # raises why it did not become ready
            for s in served:
                print(f"  {s.name:<14} {s.url}", flush=True)
            print(f"gateway listening on {gateway_url} (docs at /docs)", flush=True)
            print(f"front-end at {gateway_url}/app (client portal at /my)", flush=True)
            print("Ctrl-C stops everything", flush=True)
            # Until Ctrl-C, or until a server stops on its own (then everything stops).
            await asyncio.wait(
                {stopping, *(s.task for s in served)}, return_when=asyncio.FIRST_COMPLETED
            )
            if (failure := _failure(served)) is not None and not stop.is_set():
                raise failure
    except Exception as exc:
        print(f"crm_devrun: {exc}", flush=True)
        code = 1
    finally:
        for task in (stopping, waiting):
            if task is not None:
                task.cancel()
        await _shutdown(served)
        for sock in [*sockets.values(), gateway_socket]:
            sock.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    print("stopped", flush=True)
    return code
