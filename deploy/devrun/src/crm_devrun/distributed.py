"""Distributed mode: every service and the gateway as a process of its own, on PostgreSQL
(one database `crm_<service>` each) and RabbitMQ."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

from crm_devrun.catalogue import SERVICES, prepare_database
from crm_devrun.config import Plan, redacted
from crm_devrun.ports import choose_port
from crm_devrun.processes import CLEAN_EXITS, READY_TIMEOUT_SECONDS, wait_ready
from crm_devrun.system import start_system, stop_system
from crm_platform.db_admin import with_database

MONITOR_INTERVAL_SECONDS = 1.0


async def run_distributed(plan: Plan, ready_timeout: float = READY_TIMEOUT_SECONDS) -> int:
    if plan.database_url is None or plan.amqp_url is None:
        raise ValueError("distributed mode needs DATABASE_URL and AMQP_URL")
    print(
        "distributed mode: a process per service, databases crm_<service> on "
        f"{redacted(plan.database_url)}, RabbitMQ at {redacted(plan.amqp_url)}",
        flush=True,
    )
    database_urls = {s.name: with_database(plan.database_url, f"crm_{s.name}") for s in SERVICES}
    for spec in SERVICES:
        await prepare_database(spec, database_urls[spec.name])
    ports = {spec.name: choose_port(spec.default_port, plan.host) for spec in SERVICES}

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    system = start_system(
        database_urls=database_urls,
        amqp_url=plan.amqp_url,
        ports=ports,
        gateway_port=choose_port(plan.gateway_port, plan.host),
        environment=plan.environment,
        pool_size=plan.pool_size,
        base_env=os.environ,
        host=plan.host,
    )
    code = 0
    stopping = asyncio.create_task(stop.wait())
    waiting = asyncio.create_task(wait_ready(system.processes, within=ready_timeout))
    try:
        await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not stop.is_set():
            waiting.result()  # raises why it did not become ready
            for process in system.processes:
                print(f"  {process.name:<14} {process.base_url}  pid {process.pid}", flush=True)
            print(f"gateway listening on {system.gateway_url} (docs at /docs)", flush=True)
            print("Ctrl-C stops everything", flush=True)
            # Watch the children: one that exits on its own stops the whole run.
            while not stop.is_set():
                exited = [p for p in system.processes if not p.running]
                if exited:
                    for p in exited:
                        print(f"crm_devrun: {p.name} exited with code {p.returncode}", flush=True)
                    code = 1
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), MONITOR_INTERVAL_SECONDS)
    except Exception as exc:
        print(f"crm_devrun: {exc}", flush=True)
        code = 1
    finally:
        stopping.cancel()
        waiting.cancel()
        codes = await asyncio.to_thread(stop_system, system)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    unclean = {n: c for n, c in codes.items() if c not in CLEAN_EXITS}
    if unclean and code == 0:
        print(f"crm_devrun: stopped with exit codes {unclean}", flush=True)
    print("stopped", flush=True)
    return code
