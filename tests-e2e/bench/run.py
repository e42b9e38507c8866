"""Event pipeline benchmark on the real PostgreSQL and RabbitMQ (run by `make bench`).

(i)   raw aio-pika: confirmed publishes (up to 500 in flight) to a temporary queue and a
      consumer acking each message -> raw_amqp_throughput_per_s
(ii)  the same number of events through outbox (transactions of 100) -> relay -> RabbitMQ
      -> AmqpConsumer + inbox -> effect row -> event_throughput_per_s, and its ratio to (i)
(iii) a steady 200 events/s, one event per producer transaction: time from the producer's
      commit to the handler running -> event_latency_p50_ms / event_latency_p99_ms

Writes var/bench/results.json at the repository root and prints it.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import logging
import os
import statistics
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import aio_pika
import structlog
from aio_pika.abc import AbstractIncomingMessage
from percentiles import percentile
from sqlalchemy import Column, Integer, Table, Uuid, insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.registry import EventPayload, EventRegistry
from crm_messaging import Handlers, InboxConsumer, MessagingTables, Outbox
from crm_messaging.amqp import AmqpConsumer, AmqpPublisher
from crm_messaging.inbox import Outcome, Result
from crm_messaging.relay import OutboxRelay
from crm_messaging.topology import QueueNames, RetryPolicy
from crm_platform.db import Database, new_metadata
from crm_platform.testing import amqp_url, fresh_database

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
# Benchmarks of other parts, each a module beside this one with `async def run() -> dict`.
SECTIONS = ("gateway", "clients", "journal", "billing", "portal", "web", "notifications")
RESULTS = ROOT / "var" / "bench" / "results.json"
TENANT = uuid.UUID("0190a000-0000-7000-8000-0000000000be")
POLICY = RetryPolicy(delays_ms=(100, 1_000))

bench_registry = EventRegistry()


@bench_registry.register("bench.measured", 1)
class Measured(EventPayload):
    n: int
    note: str


def payload(n: int) -> Measured:
    # Roughly the size of a real event's data.
    return Measured(n=n, note=f"lesson {n} paid by client {n % 97} in the school's main branch")


# --- (i) raw aio-pika ---------------------------------------------------------------------


async def raw_amqp(url: str, count: int, in_flight: int, body: bytes) -> float:
    """Messages fully consumed (acked) per second, from the first publish to the last ack."""
    connection = await aio_pika.connect(url)
    try:
        consume_channel = await connection.channel()
        await consume_channel.set_qos(prefetch_count=in_flight)
        queue = await consume_channel.declare_queue(exclusive=True, auto_delete=True)
        publish_channel = await connection.channel(publisher_confirms=True)
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        acked = 0

        async def on_message(message: AbstractIncomingMessage) -> None:
            nonlocal acked
            await message.ack()
            acked += 1
            if acked == count and not done.done():
                done.set_result(time.perf_counter())

        await queue.consume(on_message)
        slots = asyncio.Semaphore(in_flight)

        async def publish(i: int) -> None:
            try:
                await publish_channel.default_exchange.publish(
                    aio_pika.Message(
                        body,
                        content_type="application/json",
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                        message_id=str(i),
                    ),
                    routing_key=queue.name,
                    mandatory=True,
                )
            finally:
                slots.release()

        started = time.perf_counter()
        tasks = []
        for i in range(count):
            await slots.acquire()
            tasks.append(asyncio.create_task(publish(i)))
        await asyncio.gather(*tasks)
        finished: float = await asyncio.wait_for(done, 120)
        return count / (finished - started)
    finally:
        await connection.close()


# --- (ii) and (iii) the event pipeline -------------------------------------------------------


class TimedInbox(InboxConsumer):
    """Notes when the handler first ran for each event and when the last effect committed."""

    def __init__(
        self, name: str, database: Database, tables: MessagingTables, effects: Table
    ) -> None:
        handlers = Handlers()
        super().__init__(name, database, tables.inbox, handlers)
        self.handled_at: dict[uuid.UUID, float] = {}
        self.done = 0
        self.duplicates = 0
        self.target = 0
        self.reached: asyncio.Event = asyncio.Event()
        self.reached_at = 0.0

        record = insert(effects)

        @handlers.on(Measured)
        async def on_measured(
            session: AsyncSession, envelope: EventEnvelope, payload: Measured
        ) -> None:
            self.handled_at.setdefault(envelope.id, time.perf_counter())
            await session.execute(record, {"event_id": envelope.id, "n": payload.n})

    def expect(self, total_done: int) -> None:
        self.target = total_done
        self.reached = asyncio.Event()
        if self.done >= total_done:
            self.reached.set()

    async def handle_batch(self, envelopes: Sequence[EventEnvelope]) -> list[Result]:
        results = await super().handle_batch(envelopes)  # the effects are committed here
        self.done += sum(r.outcome is Outcome.DONE for r in results)
        self.duplicates += sum(r.outcome is Outcome.DUPLICATE for r in results)
        if self.done >= self.target and not self.reached.is_set():
            self.reached_at = time.perf_counter()
            self.reached.set()
        return results


class Pipeline:
    def __init__(self, database: Database, url: str, name: str) -> None:
        metadata = new_metadata()
        self.tables = MessagingTables(metadata)
        self.effects = Table(
            "effects",
            metadata,
            Column("id", Integer, primary_key=True, autoincrement=True),
            Column("event_id", Uuid, nullable=False),
            Column("n", Integer, nullable=False),
        )
        self.metadata = metadata
        self.database = database
        self.names = QueueNames(name)
        self.outbox = Outbox(name, self.tables)
        self.inbox = TimedInbox(name, database, self.tables, self.effects)
        self.consumer = AmqpConsumer(url, self.inbox, policy=POLICY)
        self.publisher = AmqpPublisher(url)
        self.relay = OutboxRelay(name, database, self.tables, self.publisher)

    async def start(self) -> None:
        async with self.database.engine.begin() as conn:
            await conn.run_sync(self.metadata.create_all)
        await self.consumer.start()
        await self.publisher.start()
        await self.relay.start()

    async def stop(self, url: str) -> None:
        await self.relay.stop()
        await self.publisher.stop()
        await self.consumer.stop()
        connection = await aio_pika.connect(url)
        async with connection:
            channel = await connection.channel()
            queues = [self.names.main, self.names.parking]
            queues += [self.names.retry(level) for level in range(1, len(POLICY.delays_ms) + 1)]
            for queue in queues:
                await channel.queue_delete(queue)

    def envelope(self, n: int) -> EventEnvelope:
        return self.outbox.envelope(payload(n), tenant_id=TENANT, subject=str(n))

    async def write(self, envelopes: list[EventEnvelope]) -> float:
        """One producer transaction; returns when it committed."""
        async with self.database.unit_of_work() as session:
            await self.outbox.add(session, envelopes)
        return time.perf_counter()

    async def throughput(self, count: int, per_transaction: int) -> float:
        """Events with their effect committed per second, from the first producer transaction."""
        self.inbox.expect(self.inbox.done + count)
        batches = [
            [self.envelope(n) for n in range(start, min(start + per_transaction, count))]
            for start in range(0, count, per_transaction)
        ]
        started = time.perf_counter()
        for batch in batches:
            await self.write(batch)
        await asyncio.wait_for(self.inbox.reached.wait(), 300)
        return count / (self.inbox.reached_at - started)

    async def latency(self, rate: float, seconds: float) -> list[float]:
        """Milliseconds from each producer commit to its handler running, at a steady rate."""
        count = int(rate * seconds)
        self.inbox.expect(self.inbox.done + count)
        committed: dict[uuid.UUID, float] = {}
        loop = asyncio.get_running_loop()
        started = loop.time()
        for k in range(count):
            # Open loop: each event is due at its slot, however the previous ones fared.
            delay = started + k / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            envelope = self.envelope(k)
            committed[envelope.id] = await self.write([envelope])
        await asyncio.wait_for(self.inbox.reached.wait(), 120)
        return [(self.inbox.handled_at[i] - t) * 1000 for i, t in committed.items()]


async def run(
    count: int, in_flight: int, rounds: int, rate: float, seconds: float
) -> dict[str, Any]:
    url = amqp_url()
    async with fresh_database("bench") as database_url:
        database = Database(database_url, pool_size=10)
        pipeline = Pipeline(database, url, f"bench_{uuid.uuid4().hex[:8]}")
        try:
            await pipeline.start()
            body = pipeline.envelope(0).model_dump_json().encode()
            # Warm-ups: connections, statement caches, queue leaders.
            await raw_amqp(url, 500, in_flight, body)
            await pipeline.throughput(500, 100)

            # Alternate the two measures so a busy moment on the machine weighs on both alike,
            # and report the median of each.
            raws: list[float] = []
            pipelined: list[float] = []
            for _ in range(rounds):
                raws.append(await raw_amqp(url, count, in_flight, body))
                pipelined.append(await pipeline.throughput(count, 100))
            latencies = await pipeline.latency(rate, seconds)
        finally:
            await pipeline.stop(url)
            await database.dispose()
    raw, events = statistics.median(raws), statistics.median(pipelined)
    p99 = percentile(latencies, 0.99)
    return {
        "messages": count,
        "rounds": rounds,
        "raw_amqp_throughput_per_s": round(raw, 1),
        "event_throughput_per_s": round(events, 1),
        "event_throughput_ratio": round(events / raw, 3),
        "raw_amqp_throughput_rounds": [round(r, 1) for r in raws],
        "event_throughput_rounds": [round(e, 1) for e in pipelined],
        "latency_rate_per_s": rate,
        "latency_events": len(latencies),
        "event_latency_p50_ms": round(statistics.median(latencies), 2),
        "event_latency_p99_ms": round(p99, 2),
        "event_latency_max_ms": round(max(latencies), 2),
        "duplicates_seen": pipeline.inbox.duplicates,
        "targets": {"event_latency_p99_ms": "< 50", "event_throughput_ratio": ">= 0.5"},
        "targets_met": events / raw >= 0.5 and p99 < 50,
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5_000)
    parser.add_argument("--in-flight", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    results = asyncio.run(run(args.count, args.in_flight, args.rounds, args.rate, args.seconds))
    for section in SECTIONS:
        if (HERE / f"{section}.py").exists():
            module = importlib.import_module(section)
            results |= asyncio.run(module.run())
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
