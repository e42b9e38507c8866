"""Distributed mode: every service and the gateway as a process of its own, on PostgreSQL
(one database `crm_<service>` each) and RabbitMQ."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Coroutine
from typing import Any

from crm_devrun.catalogue import SERVICES, prepare_database
from crm_devrun.config import Plan, redacted
from crm_devrun.ports import choose_port
from crm_devrun.processes import CLEAN_EXITS, wait_ready
from crm_devrun.supervisor import RestartPolicy, Supervisor
from crm_devrun.system import System, start_system, stop_system
from crm_platform.db_admin import with_database

# Seven Python processes importing at once on a busy small machine can take minutes.
STARTUP_TIMEOUT_SECONDS = 240.0


async def run_distributed(plan: Plan, ready_timeout: float = STARTUP_TIMEOUT_SECONDS) -> int:
    if plan.database_url is None or plan.amqp_url is None:
        raise ValueError("distributed mode needs DATABASE_URL and AMQP_URL")
    print(
        f"distributed mode: a process per service, databases {plan.database_prefix}_<service> on "
        f"{redacted(plan.database_url)}, RabbitMQ at {redacted(plan.amqp_url)}",
        flush=True,
    )
    database_urls = {
        s.name: with_database(plan.database_url, f"{plan.database_prefix}_{s.name}")
        for s in SERVICES
    }
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if not await _until_stopped(_prepare(database_urls), stop):
            print("stopped", flush=True)
            return 0
        return await _serve(plan, database_urls, stop, ready_timeout)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _prepare(database_urls: dict[str, str]) -> None:
    for spec in SERVICES:
        await prepare_database(spec, database_urls[spec.name])


async def _until_stopped(work: Coroutine[Any, Any, None], stop: asyncio.Event) -> bool:
    """Runs `work` unless `stop` comes first (then cancels it): whether it finished."""
    task = asyncio.create_task(work)
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({task, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
    if task.done():
        task.result()
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False


async def _serve(
    plan: Plan, database_urls: dict[str, str], stop: asyncio.Event, ready_timeout: float
) -> int:
    assert plan.amqp_url is not None
    ports = {spec.name: choose_port(spec.default_port, plan.host) for spec in SERVICES}
    system = start_system(
        database_urls=database_urls,
        amqp_url=plan.amqp_url,
        ports=ports,
        gateway_port=choose_port(plan.gateway_port, plan.host),
        environment=plan.environment,
        pool_size=plan.pool_size,
        base_env=os.environ,
        host=plan.host,
        prefixed=True,
    )
    return await keep_up(system, stop, ready_timeout=ready_timeout)


async def keep_up(
    system: System,
    stop: asyncio.Event,
    *,
    ready_timeout: float = STARTUP_TIMEOUT_SECONDS,
    policy: RestartPolicy | None = None,
) -> int:
    """Once every process is ready, restarts the ones that die (supervisor.py) until `stop`:
    0. A process that keeps failing fast (or one not ready in time) is said with its reason
    and gives 1. Either way every process is stopped before it returns."""
    code = 0
    try:
        if await _until_stopped(wait_ready(system.processes, within=ready_timeout), stop):
            for process in system.processes:
                print(f"  {process.name:<14} {process.base_url}  pid {process.pid}", flush=True)
            print(f"gateway listening on {system.gateway_url} (docs at /docs)", flush=True)
            print(f"front-end at {system.gateway_url}/app (client portal at /my)", flush=True)
            print("Ctrl-C stops everything", flush=True)
            await Supervisor(system.processes, policy).run(stop)
    except Exception as exc:
        print(f"crm_devrun: {exc}", flush=True)
        code = 1
    finally:
        codes = await asyncio.to_thread(stop_system, system)
    unclean = {n: c for n, c in codes.items() if c not in CLEAN_EXITS}
    if unclean and code == 0:
        print(f"crm_devrun: stopped with exit codes {unclean}", flush=True)
    print("stopped", flush=True)
    return code
