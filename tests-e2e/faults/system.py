"""The distributed system as tests-e2e/conftest.py starts it, but reaching RabbitMQ (every
process) and PostgreSQL (billing, journal, clients) through proxies of this run's own, and
kept up by `make run`'s supervisor, so a process killed with SIGKILL comes back."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg

from crm_devrun.catalogue import GATEWAY, SERVICES, prepare_database
from crm_devrun.ports import free_port
from crm_devrun.processes import CLEAN_EXITS, wait_ready
from crm_devrun.supervisor import RestartPolicy, Supervisor
from crm_devrun.system import System, start_system, stop_system
from crm_platform.db_admin import drop_database, with_database
from crm_platform.testing import amqp_url, server_database_url

from .proxy import Proxy

READY_WITHIN_SECONDS = 180.0
POOL_SIZE = 3
DATABASE_PROXIED = ("billing", "journal", "clients")
# Restarted at once after a kill; only a crash loop (never expected here) would give up.
POLICY = RestartPolicy(first_delay=0.2, max_delay=2.0, fast_failure_seconds=1.0)


@dataclass
class FaultSystem:
    system: System
    amqp: dict[str, Proxy]  # by process name, the gateway's too
    database: dict[str, Proxy]  # by service name
    database_urls: dict[str, str]  # direct, for the checks
    vhost: str
    log_dir: Path
    supervisor: Supervisor
    said: list[str] = field(default_factory=list)

    def log_text(self, name: str) -> str:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    async def sql(self, service: str, query: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.database_urls[service].replace("+asyncpg", ""))
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()


def rabbitmqctl(*args: str) -> str:
    tool = shutil.which("rabbitmqctl")
    assert tool is not None, "the fault run needs rabbitmqctl (the local RabbitMQ's tools)"
    done = subprocess.run([tool, "-q", *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _through(url: str, proxy: Proxy) -> str:
    parts = urlsplit(url)
    netloc = parts.netloc.rsplit("@", 1)
    host = f"127.0.0.1:{proxy.port}"
    return parts._replace(netloc=f"{netloc[0]}@{host}" if len(netloc) == 2 else host).geturl()


@contextlib.asynccontextmanager
async def fault_system(log_dir: Path) -> AsyncIterator[FaultSystem]:
    run = uuid.uuid4().hex[:10]
    server = server_database_url()
    direct = {s.name: with_database(server, f"faults_{run}_{s.name}") for s in SERVICES}
    broker = amqp_url()
    vhost = urlsplit(broker).path.lstrip("/") or "/"
    assert vhost.startswith("test_run_"), "the fault run needs a virtual host of its own"
    broker_parts, server_parts = urlsplit(broker), urlsplit(server)
    amqp = {
        name: Proxy(
            f"{name}->rabbitmq", broker_parts.hostname or "127.0.0.1", broker_parts.port or 5672
        )
        for name in [*(s.name for s in SERVICES), GATEWAY.name]
    }
    database = {
        name: Proxy(
            f"{name}->postgresql", server_parts.hostname or "127.0.0.1", server_parts.port or 5432
        )
        for name in DATABASE_PROXIED
    }
    for proxy in [*amqp.values(), *database.values()]:
        await proxy.start()
    urls = {n: _through(u, database[n]) if n in database else u for n, u in direct.items()}
    stop = asyncio.Event()
    supervising: asyncio.Task[None] | None = None
    try:
        for spec in SERVICES:
            await prepare_database(spec, direct[spec.name])
        running = start_system(
            database_urls=urls,
            amqp_url=broker,
            amqp_urls={name: _through(broker, proxy) for name, proxy in amqp.items()},
            ports={s.name: free_port() for s in SERVICES},
            gateway_port=free_port(),
            environment="test",
            pool_size=POOL_SIZE,
            base_env=dict(os.environ)
            | {"GATEWAY_RATE_PER_USER": "1000", "GATEWAY_BURST_PER_USER": "1000"},
            log_dir=log_dir,
        )
        said: list[str] = []
        supervisor = Supervisor(running.processes, POLICY, say=said.append, interval=0.1)
        try:
            await wait_ready(running.processes, within=READY_WITHIN_SECONDS)
            supervising = asyncio.create_task(supervisor.run(stop))
            yield FaultSystem(running, amqp, database, direct, vhost, log_dir, supervisor, said)
        finally:
            stop.set()
            if supervising is not None:
                await supervising  # GaveUpError here: a process kept crashing
            codes = await asyncio.to_thread(stop_system, running)
        unclean = {n: c for n, c in codes.items() if c not in CLEAN_EXITS}
        assert not unclean, f"processes did not stop cleanly: {unclean}; logs in {log_dir}"
    finally:
        for proxy in [*amqp.values(), *database.values()]:
            await proxy.close()
        for url in direct.values():
            await drop_database(url)
