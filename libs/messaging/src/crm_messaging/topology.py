"""RabbitMQ topology: one topic exchange, a quorum queue per consumer, retries and parking.

crm.events (topic, alternate-exchange crm.unrouted)
  -> <consumer>.events      quorum; delivery limit; dead letters -> crm.dlx
handler failure -> <consumer>.retry.<n>   quorum; TTL = n-th delay; dead letters back
                                          to <consumer>.events through the default exchange
after the last retry, a parse failure, or the delivery limit -> <consumer>.parking
events nobody is bound to yet -> crm.unrouted (kept for inspection, never returned)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

EVENTS_EXCHANGE = "crm.events"
UNROUTED_EXCHANGE = "crm.unrouted"
UNROUTED_QUEUE = "crm.unrouted"
DEAD_LETTER_EXCHANGE = "crm.dlx"


@dataclass(frozen=True)
class QueueNames:
    consumer: str

    @property
    def main(self) -> str:
        return f"{self.consumer}.events"

    @property
    def parking(self) -> str:
        return f"{self.consumer}.parking"

    def retry(self, level: int) -> str:
        return f"{self.consumer}.retry.{level}"


@dataclass(frozen=True)
class RetryPolicy:
    """Delays before each retry of a failed handler; after the last one, the message is parked."""

    delays_ms: Sequence[int] = (1_000, 10_000, 60_000, 300_000)
    # Redeliveries without an ack (a consumer that crashes on the message) before parking.
    delivery_limit: int = 20

    @property
    def max_attempts(self) -> int:
        return len(self.delays_ms) + 1


@dataclass
class Declared:
    events: AbstractExchange
    main: AbstractQueue | None = None
    names: QueueNames | None = None
    extra: dict[str, AbstractQueue] = field(default_factory=dict)


async def declare_exchanges(channel: AbstractChannel) -> AbstractExchange:
    unrouted = await channel.declare_exchange(
        UNROUTED_EXCHANGE, aio_pika.ExchangeType.FANOUT, durable=True
    )
    unrouted_queue = await channel.declare_queue(
        UNROUTED_QUEUE,
        durable=True,
        arguments={"x-queue-type": "quorum", "x-max-length": 100_000},
    )
    await unrouted_queue.bind(unrouted)
    await channel.declare_exchange(DEAD_LETTER_EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True)
    return await channel.declare_exchange(
        EVENTS_EXCHANGE,
        aio_pika.ExchangeType.TOPIC,
        durable=True,
        arguments={"alternate-exchange": UNROUTED_EXCHANGE},
    )


async def declare_consumer_queues(
    channel: AbstractChannel,
    names: QueueNames,
    event_types: Iterable[str],
    policy: RetryPolicy,
) -> Declared:
    events = await declare_exchanges(channel)
    dlx = await channel.get_exchange(DEAD_LETTER_EXCHANGE)
    parking = await channel.declare_queue(
        names.parking, durable=True, arguments={"x-queue-type": "quorum"}
    )
    await parking.bind(dlx, routing_key=names.parking)
    main = await channel.declare_queue(
        names.main,
        durable=True,
        arguments={
            "x-queue-type": "quorum",
            "x-delivery-limit": policy.delivery_limit,
            "x-dead-letter-exchange": DEAD_LETTER_EXCHANGE,
            "x-dead-letter-routing-key": names.parking,
            "x-dead-letter-strategy": "at-least-once",
            "x-overflow": "reject-publish",
        },
    )
    for level, delay in enumerate(policy.delays_ms, start=1):
        await channel.declare_queue(
            names.retry(level),
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-message-ttl": delay,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": names.main,
                "x-dead-letter-strategy": "at-least-once",
                "x-overflow": "reject-publish",
            },
        )
    for event_type in sorted(set(event_types)):
        await main.bind(events, routing_key=event_type)
    return Declared(events=events, main=main, names=names, extra={"parking": parking})
