"""`make run` distributed keeps its processes up: a dead one is started again with a growing
back-off, and only repeated fast failures stop the run (crm_devrun.supervisor)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from crm_devrun.catalogue import SERVICES
from crm_devrun.distributed import keep_up
from crm_devrun.ports import free_port
from crm_devrun.processes import ManagedProcess, poll_until
from crm_devrun.supervisor import GaveUpError, RestartPolicy, Supervisor
from crm_devrun.system import System
from crm_platform.db_admin import drop_database, with_database
from crm_platform.testing import amqp_url, server_database_url

WITHIN_SECONDS = 30.0
DEVRUN_READY_WITHIN_SECONDS = 300.0  # seven Python processes starting on a shared machine
PAUSE_FOREVER = "import signal; signal.pause()"


def child(name: str, code: str, **options: object) -> ManagedProcess:
    argv = [sys.executable, "-c", code]
    return ManagedProcess(name, argv, base_url="http://127.0.0.1:9", **options)  # type: ignore[arg-type]


@contextlib.asynccontextmanager
async def supervised(
    processes: list[ManagedProcess], policy: RestartPolicy, said: list[str]
) -> AsyncIterator[asyncio.Task[None]]:
    for process in processes:
        process.start()
    stop = asyncio.Event()
    task = asyncio.create_task(
        Supervisor(processes, policy, say=said.append, interval=0.05).run(stop)
    )
    try:
        yield task
    finally:
        stop.set()
        with contextlib.suppress(GaveUpError):
            await asyncio.wait_for(task, WITHIN_SECONDS)
        for process in processes:
            process.stop()


async def until(what: str, check: object) -> None:
    async def probe() -> bool | None:
        return True if check() else None  # type: ignore[operator]

    await poll_until(probe, what=what, within=WITHIN_SECONDS, interval=0.05)


def test_back_off_doubles_with_each_fast_failure_up_to_its_cap() -> None:
    policy = RestartPolicy(first_delay=0.5, max_delay=3.0)
    assert [policy.delay(n) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]


async def test_a_killed_process_is_started_again_and_the_log_says_so() -> None:
    said: list[str] = []
    worker, other = child("worker", PAUSE_FOREVER), child("other", PAUSE_FOREVER)
    policy = RestartPolicy(first_delay=0.1, fast_failure_seconds=0.0)
    async with supervised([worker, other], policy, said) as task:
        first_pid, other_pid = worker.pid, other.pid
        for round_ in (1, 2):
            killed = worker.pid
            assert killed is not None
            os.kill(killed, signal.SIGKILL)
            await until("a restart", lambda k=killed: worker.running and worker.pid != k)
            assert f"worker restarted (pid {worker.pid}, restart {round_})" in said
        assert not task.done()
        assert other.running  # the others are left alone
        assert other.pid == other_pid
    assert worker.pid != first_pid
    died = [line for line in said if line.startswith("worker exited")]
    assert len(died) == 2
    assert all(
        re.fullmatch(r"worker exited with code -9 after [\d.]+s; restarting in 0\.1s", d)
        for d in died
    )


async def test_repeated_fast_failures_stop_the_run_with_the_reason() -> None:
    said: list[str] = []
    failing = child("failing", "raise SystemExit(3)")
    policy = RestartPolicy(first_delay=0.1, max_fast_failures=3, fast_failure_seconds=60.0)
    async with supervised([failing], policy, said) as task:
        await asyncio.wait({task}, timeout=WITHIN_SECONDS)
        with pytest.raises(GaveUpError, match="failing exited with code 3 3 times in a row"):
            task.result()
    delays = [re.search(r"restarting in ([\d.]+)s", line) for line in said]
    assert [float(m.group(1)) for m in delays if m] == [0.2, 0.4]  # it grew each time
    assert sum(line.startswith("failing restarted") for line in said) == 2


# Ready (200 on every path) until `gone` exists; started again after that, it fails at once.
SERVING = """
import http.server, pathlib, sys
if pathlib.Path(sys.argv[2]).exists():
    raise SystemExit(3)
class Ready(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Ready).serve_forever()
"""


def serving(name: str, gone: Path) -> ManagedProcess:
    port = free_port()
    argv = [sys.executable, "-c", SERVING, str(port), str(gone)]
    return ManagedProcess(name, argv, base_url=f"http://127.0.0.1:{port}")


async def test_a_run_that_gives_up_says_why_and_stops_every_process(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`make run` distributed (crm_devrun.distributed.keep_up): a service that fails again
    at once after each restart stops the whole run, once, with the reason and code 1."""
    printed: list[str] = []

    def out() -> str:  # everything printed so far (readouterr empties the capture)
        printed.append(capsys.readouterr().out)
        return "".join(printed)

    gone = tmp_path / "broken"
    billing, gateway = serving("billing", gone), serving("gateway", tmp_path / "never")
    for process in (billing, gateway):
        process.start()
    system = System({"billing": billing}, gateway)
    policy = RestartPolicy(first_delay=0.05, max_fast_failures=3, fast_failure_seconds=60.0)
    running = asyncio.create_task(
        keep_up(system, asyncio.Event(), ready_timeout=WITHIN_SECONDS, policy=policy)
    )
    try:
        await until("the run to be ready", lambda: "Ctrl-C stops everything" in out())
        gone.touch()
        assert billing.pid is not None
        os.kill(billing.pid, signal.SIGKILL)
        code = await asyncio.wait_for(running, WITHIN_SECONDS)
        stopped = [p.name for p in (billing, gateway) if not p.running]
    finally:
        for process in (billing, gateway):
            process.stop()
    said = out()
    assert code == 1
    assert re.search(
        r"^crm_devrun: billing exited with code 3 3 times in a row, .*giving up", said, re.M
    )
    assert said.count("giving up") == 1
    assert said.rstrip().endswith("stopped")
    assert stopped == ["billing", "gateway"]  # the healthy one was stopped too, by the run


async def test_prefixed_output_names_the_process_on_each_line(
    capfdbinary: pytest.CaptureFixture[bytes],
) -> None:
    speaker = child("speaker", "print('one'); print('two', flush=True)", prefixed=True)
    speaker.start()
    assert speaker.wait(WITHIN_SECONDS) == 0
    out = capfdbinary.readouterr().out.decode()
    assert out.splitlines() == [f"{'speaker':<13} | one", f"{'speaker':<13} | two"]


@pytest.fixture
async def devrun(tmp_path: Path) -> AsyncIterator[tuple[ManagedProcess, Path]]:
    """`python -m crm_devrun` in distributed mode on databases of its own, in a process group
    of its own (a Ctrl-C at a terminal goes to the whole group)."""
    prefix = f"sv{uuid.uuid4().hex[:8]}"
    port = free_port()
    log = tmp_path / "devrun.log"
    env = dict(os.environ) | {
        "DATABASE_URL": server_database_url(),
        "AMQP_URL": amqp_url(),
        "DATABASE_PREFIX": prefix,
        "PORT": str(port),
        "DB_POOL_SIZE": "2",
    }
    process = ManagedProcess(
        "devrun",
        [sys.executable, "-m", "crm_devrun"],
        base_url=f"http://127.0.0.1:{port}",
        env=env,
        log_path=log,
        own_group=True,
    )
    process.start()
    try:
        yield process, log
    finally:
        process.stop(30.0)
        for spec in SERVICES:
            await drop_database(with_database(server_database_url(), f"{prefix}_{spec.name}"))


async def test_distributed_run_restarts_a_killed_service_and_stops_on_ctrl_c(
    devrun: tuple[ManagedProcess, Path],
) -> None:
    process, log = devrun

    async def logged(pattern: str) -> re.Match[str]:
        async def probe() -> re.Match[str] | None:
            return re.search(pattern, log.read_text(errors="replace"), re.MULTILINE)

        return await poll_until(probe, what=pattern, within=DEVRUN_READY_WITHIN_SECONDS)

    await logged("^gateway listening on ")
    listed = await logged(r"^  billing +(http://\S+)  pid (\d+)$")
    billing_url, billing_pid = listed.group(1), int(listed.group(2))
    os.kill(billing_pid, signal.SIGKILL)
    await logged(r"^crm_devrun: billing exited with code -9 after [\d.]+s; restarting in [\d.]+s$")
    restarted = await logged(r"^crm_devrun: billing restarted \(pid (\d+), restart 1\)$")
    assert int(restarted.group(1)) != billing_pid
    async with httpx.AsyncClient(trust_env=False) as client:

        async def billing_ready() -> bool | None:
            with contextlib.suppress(httpx.HTTPError):
                return (
                    True if (await client.get(f"{billing_url}/readyz")).status_code == 200 else None
                )
            return None

        await poll_until(
            billing_ready, what="billing ready again", within=DEVRUN_READY_WITHIN_SECONDS
        )
    # Ctrl-C at a terminal: SIGINT to the whole foreground group.
    assert process.pid is not None
    os.killpg(process.pid, signal.SIGINT)
    code = await asyncio.to_thread(process.wait, 60.0)
    text = log.read_text(errors="replace")
    assert code == 0, text[-3000:]
    assert "Traceback" not in text, text
    assert text.rstrip().endswith("stopped")
    # Every line the services wrote says which one wrote it.
    for name in ("identity", "billing", "gateway"):
        assert re.search(rf"^{name} +\| ", text, re.MULTILINE), name
