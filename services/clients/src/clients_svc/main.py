"""create_app(): the FastAPI app; its lifespan runs the relay, the consumer and the upkeep
that ends freezes whose period has run out."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from fastapi import FastAPI

from clients_svc.api import routers
from clients_svc.consumers import handlers
from clients_svc.context import Clock, Context, system_clock
from clients_svc.models import messaging
from clients_svc.settings import Settings
from clients_svc.statuses.service import Statuses
from crm_messaging import Outbox, ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.db import Database
from crm_platform.logs import get_logger
from crm_platform.settings import ServiceSettings

DEFAULT_PORT = 8102
log = get_logger(__name__)


class FreezeUpkeep:
    """Starts and ends freezes by themselves: each run freezes clients whose scheduled freeze
    has begun and unfreezes those whose period is over."""

    name = "freeze-upkeep"

    def __init__(
        self, database: Database, settings: Settings, outbox: Outbox, clock: Clock
    ) -> None:
        self.database = database
        self.settings = settings
        self.outbox = outbox
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    async def run_once(self) -> int:
        ended = 0
        while True:
            async with self.database.unit_of_work() as session:
                statuses = Statuses(Context(session, self.outbox, self.settings, self.clock))
                done = await statuses.start_scheduled_freezes()
                done += await statuses.end_expired_freezes()
            ended += done
            if done == 0:
                return ended

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    async def _loop(self) -> None:
        while True:
            try:
                ended = await self.run_once()
                if ended:
                    log.info("freezes_started_or_ended", count=ended)
            except Exception:
                log.exception("freeze_upkeep_failed")
            await asyncio.sleep(self.settings.freeze_upkeep_seconds)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def ready(self) -> None:
        if self._task is None or self._task.done():
            raise RuntimeError("freeze upkeep is not running")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    held: list[ServiceMessaging | FreezeUpkeep] = []

    def components(svc_settings: ServiceSettings, database: Database) -> Sequence[Component]:
        service_messaging = ServiceMessaging(svc_settings, database, messaging, handlers)
        upkeep = FreezeUpkeep(
            database, settings, service_messaging.outbox, lambda: app.state.clock()
        )
        held.extend([service_messaging, upkeep])
        return [service_messaging, upkeep]

    app = create_service_app(
        settings,
        title="Clients: clients, families, tags, leads, anonymous links, client history",
        routers=routers,
        components=components,
    )
    service_messaging, upkeep = held
    assert isinstance(service_messaging, ServiceMessaging)
    app.state.messaging = service_messaging
    app.state.outbox = service_messaging.outbox
    app.state.freeze_upkeep = upkeep
    # What "now" is; a test may fix it.
    app.state.clock = system_clock
    return app
