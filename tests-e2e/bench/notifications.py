"""Notifications benchmark on the real PostgreSQL and RabbitMQ with a local SMTP server
(aiosmtpd) (wired into `make bench` by tests-e2e/bench/run.py):

- notify_latency_p99_ms: payment-due reminders published (confirmed) to the event exchange
  at a steady 50 a second, each for its own client; the time from the publish to the SMTP
  server accepting the letter (the consumer, the message row, the sender, rendering and
  SMTP all included). Target < 250 ms.
- broadcast_10k_s: a broadcast to 10,000 clients (POST /broadcasts, the throttle lifted)
  until the SMTP server has accepted every letter. Target < 30 s.

`python tests-e2e/bench/notifications.py` runs it alone and prints the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import aio_pika
import asyncpg
import httpx
import structlog
from aiosmtpd.controller import Controller
from notifications_svc.main import create_app
from notifications_svc.settings import Settings

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import PaymentDueSoon
from crm_devrun.catalogue import service
from crm_devrun.ports import free_port
from crm_devrun.processes import NotReadyError, poll_until
from crm_messaging.topology import EVENTS_EXCHANGE
from crm_platform.db_admin import upgrade
from crm_platform.internal_auth import Principal
from crm_platform.testing import amqp_url, fresh_database, internal_headers

RATE = 50.0
SECONDS = 10.0
BROADCAST = 10_000
TENANT = uuid.uuid4()
TAG = str(uuid.uuid4())


class Catcher:
    """The SMTP server: when each letter (by recipient) was accepted."""

    def __init__(self) -> None:
        self.port = free_port()
        self.accepted: dict[str, float] = {}
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        now = time.monotonic()
        with self.lock:
            for rcpt in envelope.rcpt_tos:
                self.accepted.setdefault(rcpt, now)
        return "250 OK"

    def count(self, prefix: str) -> int:
        with self.lock:
            return sum(1 for k in self.accepted if k.startswith(prefix))


async def _load_clients(db_url: str, prefix: str, count: int, tags: list[str]) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    conn = await asyncpg.connect(db_url.replace("+asyncpg", ""))
    now = datetime.now(UTC)
    try:
        await conn.copy_records_to_table(
            "clients",
            records=[
                (
                    i,
                    TENANT,
                    "Anna",
                    "Nowak",
                    f"{prefix}{n}@example.com",
                    "active",
                    json.dumps(tags),
                    now,
                )
                for n, i in enumerate(ids)
            ],
            columns=[
                "id",
                "tenant_id",
                "first_name",
                "last_name",
                "email",
                "status",
                "tag_ids",
                "as_of",
            ],
        )
    finally:
        await conn.close()
    return ids


async def _organisation(db_url: str) -> None:
    conn = await asyncpg.connect(db_url.replace("+asyncpg", ""))
    try:
        await conn.execute(
            "INSERT INTO organisations (id, name, time_zone, locale, currency, settings)"
            " VALUES ($1, 'Bench school', 'UTC', 'en', 'PLN', $2)",
            TENANT,
            json.dumps({"quiet_hours": None, "daily_news_cap": 100}),
        )
    finally:
        await conn.close()


async def _until(done: Callable[[], bool], within: float) -> None:
    async def probe() -> bool | None:
        return True if done() else None

    with contextlib.suppress(NotReadyError):  # the figures then show what did not arrive
        await poll_until(probe, within=within, what="the letters")


async def _publish(channel: aio_pika.abc.AbstractChannel, envelope: EventEnvelope) -> None:
    exchange = await channel.get_exchange(EVENTS_EXCHANGE)
    await exchange.publish(
        aio_pika.Message(
            envelope.model_dump_json().encode(),
            content_type="application/json",
            message_id=str(envelope.id),
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        ),
        routing_key=envelope.type,
    )


async def _latency(catcher: Catcher, clients: list[uuid.UUID], rate: float) -> list[float]:
    sent_at: dict[str, float] = {}
    connection = await aio_pika.connect(amqp_url())
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        start = time.monotonic()
        for n, client in enumerate(clients):
            await asyncio.sleep(max(0.0, start + n / rate - time.monotonic()))
            payload = PaymentDueSoon(
                due_item_id=uuid.uuid4(),
                client_id=client,
                kind="credit",
                due_on=date(2026, 12, 24),
                amount_minor=5_000,
                currency="PLN",
                balance_minor=-5_000,
            )
            envelope = EventEnvelope(
                type=payload.event_type,
                source="billing",
                tenant_id=TENANT,
                subject=str(client),
                data=payload.model_dump(mode="json"),
            )
            sent_at[f"lat{n}@example.com"] = time.monotonic()
            await _publish(channel, envelope)
    await _until(lambda: catcher.count("lat") >= len(clients), 120)
    with catcher.lock:
        return [
            (catcher.accepted[k] - t) * 1000 for k, t in sent_at.items() if k in catcher.accepted
        ]


async def run(
    rate: float = RATE, seconds: float = SECONDS, broadcast: int = BROADCAST
) -> dict[str, Any]:
    catcher = Catcher()
    catcher.controller.start()
    try:
        async with fresh_database("bench_notify") as url:
            await upgrade(service("notifications").directory, url)
            await _organisation(url)
            latency_clients = await _load_clients(url, "lat", int(rate * seconds), [])
            await _load_clients(url, "bc", broadcast, [TAG])
            settings = Settings(
                database_url=url,
                amqp_url=amqp_url(),
                service_name=f"notifications_bench{uuid.uuid4().hex[:4]}",
                smtp_url=f"smtp://127.0.0.1:{catcher.port}",
                default_quiet_hours="",
                sender_poll_seconds=0.5,
                sender_batch=500,
                sender_concurrency=50,
                broadcast_per_second=1_000_000,
                db_pool_size=20,
            )
            app = create_app(settings)
            for component in app.state.components:
                await component.start()
            try:
                times = await _latency(catcher, latency_clients, rate)
                owner = Principal(
                    tenant_id=TENANT,
                    subject=str(uuid.uuid4()),
                    realm="staff",
                    role="owner",
                    all_branches=True,
                )
                transport = httpx.ASGITransport(app=app)
                async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                    started = time.monotonic()
                    answer = await http.post(
                        "/api/v1/notifications/broadcasts",
                        headers=internal_headers(owner, settings.service_name),
                        json={
                            "audience": {"kind": "tag", "id": TAG},
                            "subject": "Concert",
                            "body": "Dear {{ first_name }}, come to the concert.",
                        },
                        timeout=600,
                    )
                    assert answer.status_code == 201, answer.text
                    await _until(lambda: catcher.count("bc") >= broadcast, 600)
                    broadcast_s = time.monotonic() - started
            finally:
                for component in reversed(app.state.components):
                    await component.stop()
                await app.state.database.dispose()
    finally:
        catcher.controller.stop()
    p99 = statistics.quantiles(times, n=100)[98] if len(times) >= 100 else max(times)
    return {
        "notify_latency_p50_ms": round(statistics.median(times), 1),
        "notify_latency_p99_ms": round(p99, 1),
        "notify_latency_letters": len(times),
        "broadcast_10k_s": round(broadcast_s, 1),
        "broadcast_recipients": broadcast,
        "broadcast_letters": catcher.count("bc"),
        "notifications_targets": {"notify_latency_p99_ms": "< 250", "broadcast_10k_s": "< 30"},
        "notifications_targets_met": p99 < 250 and broadcast_s < 30,
    }


if __name__ == "__main__":
    import sys

    logging.basicConfig(level=logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    size = int(sys.argv[1]) if len(sys.argv) > 1 else BROADCAST
    print(json.dumps(asyncio.run(run(broadcast=size)), indent=2))
