"""`python -m crm_devrun` with no settings: everything in one process on SQLite files."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

from crm_devrun.catalogue import SERVICES, service
from crm_devrun.ports import free_port
from crm_devrun.processes import ManagedProcess, poll_until, wait_ready
from gateway_app.settings import UPSTREAMS

READY_WITHIN_SECONDS = 90.0
STOP_WITHIN_SECONDS = 30.0
BILLING_PORT = service("billing").default_port
REPOSITORY = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def port_taken(port: int) -> Iterator[None]:
    """Something else listens on `port` (unless something already does)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past TIME_WAIT leftovers
        with contextlib.suppress(OSError):
            sock.bind(("127.0.0.1", port))
            sock.listen()
        yield


async def test_embedded_run_serves_the_gateway_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    var_dir = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in ("AMQP_URL", "DATABASE_URL")}
    env |= {"CRM_VAR_DIR": str(var_dir), "PORT": str(port)}
    devrun = ManagedProcess(
        "devrun",
        [sys.executable, "-m", "crm_devrun"],
        base_url=f"http://127.0.0.1:{port}",
        env=env,
        log_path=tmp_path / "devrun.log",
        own_group=True,
    )
    # billing's usual port is taken: it must move, and the gateway must still find it.
    with port_taken(BILLING_PORT):
        devrun.start()
        try:
            await wait_ready([devrun], within=READY_WITHIN_SECONDS)
            async with httpx.AsyncClient(base_url=devrun.base_url, trust_env=False) as client:
                assert (await client.get("/healthz")).status_code == 200
                ready = await client.get("/readyz")
                assert ready.status_code == 200, ready.text
                assert all(ready.json()["checks"][name] == "ok" for name in UPSTREAMS)
                # The front-end answers through the gateway, and reaches the API itself.
                signup = await client.get("/app/signup")
                assert signup.status_code == 200
                assert 'name="csrf_token"' in signup.text
                assert (await client.get("/app/groups")).status_code == 303
                token = signup.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
                refused = await client.post(
                    "/app/signin",
                    data={"email": "nobody@example.com", "password": "x" * 12, "csrf_token": token},
                )
                assert refused.status_code == 400  # identity, through the gateway, said no
                assert "The email or the password is wrong." in refused.text

            # The runner announces the address once its own readiness wait is over.
            async def announced() -> bool | None:
                text = (tmp_path / "devrun.log").read_text()
                return True if "gateway listening on" in text else None

            await poll_until(announced, what="the gateway address", within=READY_WITHIN_SECONDS)
            assert devrun.pid is not None
            os.killpg(devrun.pid, signal.SIGINT)  # Ctrl-C at a terminal: the whole group
            code = await asyncio.to_thread(devrun.wait, STOP_WITHIN_SECONDS)
        finally:
            if devrun.running:
                devrun.stop()
    log = (tmp_path / "devrun.log").read_text()
    assert code == 0, log
    assert "Traceback" not in log, log
    assert f"gateway listening on http://127.0.0.1:{port} (docs at /docs)" in log
    assert f"billing        http://127.0.0.1:{BILLING_PORT}" not in log
    assert sorted(p.name for p in var_dir.iterdir() if p.suffix == ".sqlite3") == sorted(
        f"{spec.name}.sqlite3" for spec in SERVICES if spec.has_database
    )


async def test_make_run_stops_on_one_ctrl_c_with_every_service_shut_down(tmp_path: Path) -> None:
    """What a user types: `make run` runs crm_devrun under `uv run`, which forwards the
    terminal's Ctrl-C to it, so one keypress arrives twice. That is still one Ctrl-C: every
    app shuts down (none is cut off in its lifespan, which uvicorn reports as tracebacks)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("AMQP_URL", "DATABASE_URL")}
    env |= {"CRM_VAR_DIR": str(tmp_path / "var"), "PORT": str(port)}
    log_path = tmp_path / "make-run.log"
    make_run = ManagedProcess(
        "make run",
        ["make", "--no-print-directory", "run"],
        base_url=f"http://127.0.0.1:{port}",
        env=env,
        log_path=log_path,
        cwd=REPOSITORY,
        own_group=True,
    )
    make_run.start()
    try:
        await wait_ready([make_run], within=READY_WITHIN_SECONDS)

        async def announced() -> bool | None:
            return True if "Ctrl-C stops everything" in log_path.read_text() else None

        await poll_until(announced, what="the run's announcement", within=READY_WITHIN_SECONDS)
        assert make_run.pid is not None
        os.killpg(make_run.pid, signal.SIGINT)  # Ctrl-C at a terminal: the whole group
        await asyncio.to_thread(make_run.wait, STOP_WITHIN_SECONDS)
    finally:
        if make_run.running:
            make_run.stop()
    log = log_path.read_text()
    assert "uv run" in log  # the path under test: uv between make and the runner
    assert log.rstrip().endswith("stopped"), log
    assert "Traceback" not in log, log
    assert "CancelledError" not in log, log
