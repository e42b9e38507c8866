"""One service's messaging: relay and consumer on RabbitMQ, or on the in-process bus."""

from __future__ import annotations

from crm_messaging.amqp import AmqpConsumer, AmqpPublisher
from crm_messaging.inbox import Handlers, InboxConsumer
from crm_messaging.inprocess import InProcessBus
from crm_messaging.outbox import Outbox
from crm_messaging.relay import OutboxRelay
from crm_messaging.tables import MessagingTables
from crm_messaging.topology import RetryPolicy
from crm_platform.db import Database
from crm_platform.settings import ServiceSettings

# Every service started in one process (embedded mode) shares this bus.
embedded_bus = InProcessBus()


class ServiceMessaging:
    """Runs beside a service's HTTP app: its outbox relay and, if it listens, its consumer."""

    name = "messaging"

    def __init__(
        self,
        settings: ServiceSettings,
        database: Database,
        tables: MessagingTables,
        handlers: Handlers | None = None,
        *,
        bus: InProcessBus | None = None,
        policy: RetryPolicy | None = None,
    ) -> None:
        self.service = settings.service_name
        self.outbox = Outbox(self.service, tables)
        self.inbox = InboxConsumer(self.service, database, tables.inbox, handlers or Handlers())
        self.amqp_url = settings.amqp_url
        self._publisher: AmqpPublisher | None = None
        self._consumer: AmqpConsumer | None = None
        self.bus: InProcessBus | None = None
        if self.amqp_url:
            self._publisher = AmqpPublisher(self.amqp_url)
            if self.inbox.handlers.event_types:
                self._consumer = AmqpConsumer(self.amqp_url, self.inbox, policy=policy)
            publisher: AmqpPublisher | InProcessBus = self._publisher
        else:
            self.bus = bus or embedded_bus
            if self.inbox.handlers.event_types:
                self.bus.subscribe(self.inbox)
            publisher = self.bus
        self.relay = OutboxRelay(
            self.service, database, tables, publisher, poll_seconds=settings.outbox_poll_seconds
        )

    async def start(self) -> None:
        if self._publisher is not None:
            await self._publisher.start()
        if self._consumer is not None:
            await self._consumer.start()
        await self.relay.start()

    async def stop(self) -> None:
        await self.relay.stop()
        if self._consumer is not None:
            await self._consumer.stop()
        if self._publisher is not None:
            await self._publisher.stop()
        if self.bus is not None:
            # The embedded bus is shared by every service of the process: leave it, don't stop it.
            self.bus.unsubscribe(self.inbox)

    async def ready(self) -> None:
        await self.relay.ready()
        if self._publisher is not None:
            await self._publisher.ready()
        if self._consumer is not None:
            await self._consumer.ready()
