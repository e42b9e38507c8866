"""Child processes: start one, wait until it is ready with a bounded poll, stop it cleanly.

Used by `python -m crm_devrun` (distributed mode) and by the tests-e2e harness.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, TypeVar

import httpx

from crm_platform.http_protocol import HTTP_PROTOCOL

T = TypeVar("T")
STOP_TIMEOUT_SECONDS = 10.0
READY_TIMEOUT_SECONDS = 60.0
POLL_INTERVAL_SECONDS = 0.2
# How a child that we stopped may end: by itself, or by the signal we sent.
CLEAN_EXITS = frozenset({0, -signal.SIGTERM, -signal.SIGINT})


class ProcessExitedError(RuntimeError):
    pass


class NotReadyError(TimeoutError):
    pass


_OUTPUT_LOCK = threading.Lock()


def _copy_prefixed(stream: IO[bytes], prefix: bytes, out: IO[bytes]) -> None:
    """Every line of `stream` to `out` behind `prefix`, whole lines only (as honcho does)."""
    with stream:
        for line in iter(stream.readline, b""):
            with _OUTPUT_LOCK:
                out.write(prefix + line if line.endswith(b"\n") else prefix + line + b"\n")
                out.flush()


class ManagedProcess:
    """A child process with a name, an HTTP base URL and a readiness path on it.

    Its output goes to `log_path`, or with `prefixed` to our stdout with each line behind
    the process's name; otherwise it shares our stdout. With `own_group` it gets a process
    group of its own, so a Ctrl-C at the terminal reaches only us and we stop it in order.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        base_url: str,
        env: Mapping[str, str] | None = None,
        ready_path: str = "/readyz",
        log_path: Path | None = None,
        cwd: Path | None = None,
        prefixed: bool = False,
        own_group: bool = False,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.base_url = base_url
        self.ready_url = base_url + ready_path
        self.env = dict(os.environ if env is None else env)
        self.log_path = log_path
        self.cwd = cwd
        self.prefixed = prefixed and log_path is None
        self.own_group = own_group
        self.started_at: float | None = None
        self._popen: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._copier: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"<ManagedProcess {self.name} pid={self.pid} {self.base_url}>"

    @property
    def pid(self) -> int | None:
        return self._popen.pid if self._popen else None

    @property
    def running(self) -> bool:
        return self._popen is not None and self._popen.poll() is None

    @property
    def returncode(self) -> int | None:
        return self._popen.poll() if self._popen else None

    def start(self) -> None:
        if self.running:
            raise RuntimeError(f"{self.name} is already running")
        self._close_log()
        if self._copier is not None:  # the last lines of the run before
            self._copier.join(STOP_TIMEOUT_SECONDS)
            self._copier = None
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = self.log_path.open("ab")
        piped = self._log is None and self.prefixed
        self._popen = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if piped else self._log,
            stderr=subprocess.STDOUT if self._log or piped else None,
            process_group=0 if self.own_group else None,
        )
        self.started_at = time.monotonic()
        if piped and self._popen.stdout is not None:
            prefix = f"{self.name:<13} | ".encode()
            self._copier = threading.Thread(
                target=_copy_prefixed,
                args=(self._popen.stdout, prefix, sys.stdout.buffer),
                name=f"output of {self.name}",
                daemon=True,
            )
            self._copier.start()

    def send_signal(self, sig: int) -> None:
        if self.running and self._popen is not None:
            self._popen.send_signal(sig)

    def wait(self, timeout: float) -> int | None:
        """The exit code, or None if it is still running after `timeout` seconds."""
        if self._popen is None:
            return None
        try:
            code = self._popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._close_log()
        if self._copier is not None:  # its last lines, before anything we print after
            self._copier.join(STOP_TIMEOUT_SECONDS)
            self._copier = None
        return code

    def kill(self) -> int | None:
        """SIGKILL: no chance to clean up (what a crash looks like to the others)."""
        self.send_signal(signal.SIGKILL)
        return self.wait(STOP_TIMEOUT_SECONDS)

    def stop(self, timeout: float = STOP_TIMEOUT_SECONDS) -> int | None:
        """SIGTERM, wait up to `timeout`, then SIGKILL. Returns the exit code."""
        return stop_all([self], timeout)[self.name]

    def log_tail(self, lines: int = 30) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def uvicorn_process(
    name: str,
    app_factory: str,
    *,
    port: int,
    host: str = "127.0.0.1",
    env: Mapping[str, str] | None = None,
    log_path: Path | None = None,
    access_log: bool = True,
    prefixed: bool = False,
    own_group: bool = False,
) -> ManagedProcess:
    """`python -m uvicorn <app_factory> --factory --port N` as a ManagedProcess (not started)."""
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        app_factory,
        "--factory",
        "--host",
        host,
        "--port",
        str(port),
        "--timeout-graceful-shutdown",
        "5",
        "--http",
        HTTP_PROTOCOL,
    ]
    if not access_log:
        argv.append("--no-access-log")
    return ManagedProcess(
        name,
        argv,
        base_url=f"http://{host}:{port}",
        env=env,
        log_path=log_path,
        prefixed=prefixed,
        own_group=own_group,
    )


def stop_all(
    processes: Iterable[ManagedProcess], timeout: float = STOP_TIMEOUT_SECONDS
) -> dict[str, int | None]:
    """SIGTERM to every one at once, wait for them together, then SIGKILL the stragglers."""
    processes = list(processes)
    for process in processes:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    codes: dict[str, int | None] = {}
    for process in processes:
        code = process.wait(max(0.0, deadline - time.monotonic()))
        if code is None and process.running:
            code = process.kill()
        codes[process.name] = code if code is not None else process.returncode
    return codes


async def poll_until(
    probe: Callable[[], Awaitable[T | None]],
    *,
    what: str,
    within: float = READY_TIMEOUT_SECONDS,
    interval: float = POLL_INTERVAL_SECONDS,
) -> T:
    """Call `probe` every `interval` seconds until it returns something other than None.

    A bounded poll: NotReadyError after `within` seconds.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await probe()
        if result is not None:
            return result
        if loop.time() >= deadline:
            raise NotReadyError(f"waited {within:.0f}s for {what}")
        await asyncio.sleep(interval)


async def wait_ready(
    processes: Sequence[ManagedProcess], *, within: float = READY_TIMEOUT_SECONDS
) -> None:
    """Until every process answers 200 on its readiness URL (a bounded poll).

    Fails at once if one exits, and after `within` seconds naming the ones not ready and
    what they last answered.
    """
    pending = {p.name: p for p in processes}
    last: dict[str, str] = {}

    async with httpx.AsyncClient(timeout=2.0, trust_env=False) as client:

        async def probe() -> bool | None:
            for name, process in list(pending.items()):
                if not process.running:
                    raise ProcessExitedError(
                        f"{name} exited with code {process.returncode} before it was ready\n"
                        + process.log_tail()
                    )
                try:
                    response = await client.get(process.ready_url)
                except httpx.HTTPError as exc:
                    last[name] = f"{type(exc).__name__}"
                    continue
                if response.status_code == 200:
                    del pending[name]
                else:
                    last[name] = f"{response.status_code} {response.text[:300]}"
            return True if not pending else None

        try:
            await poll_until(probe, what="every process to be ready", within=within)
        except NotReadyError as exc:
            details = "; ".join(f"{n}: {last.get(n, 'no answer')}" for n in pending)
            raise NotReadyError(f"not ready within {within:.0f}s: {details}") from exc
