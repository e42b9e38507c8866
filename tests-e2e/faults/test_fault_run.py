"""The fault run (`make test-faults`): the distributed system under a steady write load through
the gateway while faults hit it one after another: the broker stopped and started again,
the broker's end of every connection reset at once (what its kill -9 looks like to the
services), billing's connections to RabbitMQ and to PostgreSQL cut (its relay's among
them), the journal's to PostgreSQL cut, billing and the journal killed with SIGKILL (and
started again by `make run`'s supervisor).

The broker is the machine's shared RabbitMQ and the database its shared PostgreSQL: the
faults hit only this run, through proxies of its own and its own virtual host.

Afterwards: every accepted payment is in the ledger exactly once; balances and classes left
agree between billing, the journal's rows and the clients' cards; every outbox is drained;
nothing is parked without a logged reason. Bounded in operations and in time; every wait
is a poll with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from crm_devrun.processes import poll_until

from ..test_access import bearer, journal_knows, post_once_known, sign_up
from ..test_clients import create_client
from ..test_journal_billing import J, add_service, billing_knows, post, school_today, sell
from .checks import settle_and_check
from .load import Load
from .system import FaultSystem, fault_system, rabbitmqctl

pytestmark = pytest.mark.faults

MAX_OPERATIONS = 3_000
WORKERS = 8
CLASSES = 1_000
LESSONS = 20
HOLD_OPERATIONS = 20  # operations tried while a fault lasts
HOLD_WITHIN = 20.0  # ... or this long, whichever comes first
RECOVER_WITHIN = 180.0
SETTLE_WITHIN = 240.0


async def school(
    gateway: httpx.AsyncClient,
) -> tuple[dict[str, str], list[str], list[tuple[str, str]]]:
    """An organisation with three clients in a group, each with a pack of many classes, and
    lessons in the past to mark (the free plan's three clients)."""
    signed = await sign_up(gateway, "Fault run school")
    owner = bearer(signed["tokens"])
    await billing_knows(gateway, owner)
    await journal_knows(gateway, owner)
    today = school_today()
    start = today - timedelta(days=LESSONS + 5)
    group = await post(
        gateway,
        f"{J}/groups",
        owner,
        {"name": "Piano", "branch_id": signed["branch"]["id"], "starts_on": str(start)},
    )
    service = await add_service(
        gateway,
        owner,
        kind="pack",
        name="Piano",
        price_minor=10_000,
        classes=CLASSES,
        period={"unit": "month", "count": 3},
    )
    clients = []
    for n in range(3):
        client = await create_client(gateway, owner, f"Pupil{n}", f"601 200 30{n}")
        clients.append(client["id"])
        await post_once_known(
            gateway,
            f"{J}/groups/{group['id']}/enrolments",
            owner,
            {"client_id": client["id"], "from_date": str(start)},
        )
        await sell(
            gateway,
            owner,
            client["id"],
            service_id=service["id"],
            payment_mode="none",
            starts_on=str(start),
        )
    lessons = [
        await post(
            gateway,
            f"{J}/groups/{group['id']}/lessons",
            owner,
            {
                "lesson_date": str(today - timedelta(days=d)),
                "starts_at": "08:00",
                "duration_minutes": 45,
            },
        )
        for d in range(1, LESSONS + 1)
    ]
    return owner, clients, [(lesson["id"], c) for lesson in lessons for c in clients]


async def hold(load: Load) -> None:
    """While a fault lasts: until the load has tried enough operations, or a bounded time."""
    start = load.tries

    async def enough() -> bool | None:
        return True if load.tries - start >= HOLD_OPERATIONS else None

    # A load stuck on the fault holds it for the bounded time: that is what it is for.
    with contextlib.suppress(TimeoutError):
        await poll_until(
            enough, what="operations during the fault", within=HOLD_WITHIN, interval=0.1
        )


async def recovered(fs: FaultSystem, gateway: httpx.AsyncClient, load: Load) -> None:
    """Every process up and ready, the gateway sees every service, and payments go through."""
    accepted = len(load.accepted)

    async def probe() -> bool | None:
        if not all(p.running for p in fs.system.processes):
            return None
        try:
            ready = await gateway.get("/readyz")
        except httpx.HTTPError:
            return None
        if ready.status_code != 200 or ready.json().get("status") != "ready":
            return None
        return True if len(load.accepted) >= accepted + 5 else None

    await poll_until(probe, what="the system to recover", within=RECOVER_WITHIN, interval=0.2)


def faults(
    fs: FaultSystem,
) -> list[tuple[str, Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]]:
    everyone = list(fs.amqp.values())

    async def broker_stopped() -> None:
        for proxy in everyone:
            await proxy.refuse()
        # As a stopping broker does: it closes every connection of the vhost with a reason.
        await asyncio.to_thread(
            rabbitmqctl, "close_all_connections", "-p", fs.vhost, "fault run: broker stopped"
        )

    async def broker_killed() -> None:
        for proxy in everyone:
            await proxy.refuse()
            proxy.cut()

    async def broker_back() -> None:
        for proxy in everyone:
            await proxy.start()

    def cut(proxy_of: Callable[[], Any]) -> Callable[[], Awaitable[None]]:
        async def inject() -> None:
            proxy = proxy_of()

            async def connected() -> bool | None:  # reconnected since the last fault
                return True if proxy.open_connections else None

            await poll_until(connected, what=f"{proxy.name} connections", within=RECOVER_WITHIN)
            assert proxy.cut() > 0

        return inject

    def kill(name: str) -> Callable[[], Awaitable[None]]:
        async def inject() -> None:
            process = fs.system.services[name]
            assert process.pid is not None
            os.kill(process.pid, signal.SIGKILL)

        return inject

    async def nothing() -> None:
        return None

    return [
        ("broker stopped and started again", broker_stopped, broker_back),
        ("broker killed (kill -9) and started again", broker_killed, broker_back),
        ("billing's connections to RabbitMQ cut", cut(lambda: fs.amqp["billing"]), nothing),
        ("billing's connections to PostgreSQL cut", cut(lambda: fs.database["billing"]), nothing),
        ("journal's connections to PostgreSQL cut", cut(lambda: fs.database["journal"]), nothing),
        ("billing killed (kill -9)", kill("billing"), nothing),
        ("journal killed (kill -9)", kill("journal"), nothing),
    ]


async def test_nothing_is_lost_doubled_or_left_inconsistent_under_faults(tmp_path: Path) -> None:
    async with (
        fault_system(tmp_path / "logs") as fs,
        httpx.AsyncClient(base_url=fs.system.gateway_url, timeout=30.0, trust_env=False) as gateway,
    ):
        owner, clients, cells = await school(gateway)
        before = {
            str(r["client_id"]): r["balance_minor"]
            for r in await fs.sql(
                "billing",
                "SELECT client_id, balance_minor FROM client_balances WHERE client_id = ANY($1)",
                [uuid.UUID(c) for c in clients],
            )
        }
        before |= {c: 0 for c in clients if c not in before}
        load = Load(gateway, owner, clients, cells, MAX_OPERATIONS)
        stop = asyncio.Event()
        running = asyncio.create_task(load.run(WORKERS, stop))
        done: list[str] = []
        try:
            await recovered(fs, gateway, load)
            for name, inject, restore in faults(fs):
                await inject()
                await hold(load)
                await restore()
                await recovered(fs, gateway, load)
                done.append(name)
        finally:
            stop.set()
            await running
        report = await settle_and_check(fs, load, clients, CLASSES, before)
    print(
        f"\nfault run: operations={load.operations} (tries {load.tries}, retried {load.retried}; "
        f"payments accepted {len(load.accepted)}, uncertain {len(load.uncertain)}; marks "
        f"{load.marks}, uncertain {load.uncertain_marks}), faults={len(done)}, "
        f"lost={report['lost']}, doubled={report['doubled']}, mismatched={report['mismatched']}, "
        f"parked={report['parked']}, restarts={report['restarts']}"
    )
    assert len(done) == 7, done
    assert not load.refused, load.refused[:5]
    assert report["problems"] == [], report["problems"]
