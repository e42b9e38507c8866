"""create_app(): the FastAPI app; its lifespan runs the relay, the consumer and the upkeep
that ends freezes whose period has run out."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import FastAPI

from clients_svc.api import routers
from clients_svc.consumers import handlers
from clients_svc.models import messaging
from clients_svc.settings import Settings
from clients_svc.statuses.upkeep import freeze_upkeep
from crm_messaging import ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.clock import system_clock
from crm_platform.db import Database
from crm_platform.periodic import PeriodicJob
from crm_platform.settings import ServiceSettings

DEFAULT_PORT = 8102


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    held: list[ServiceMessaging | PeriodicJob] = []

    def components(svc_settings: ServiceSettings, database: Database) -> Sequence[Component]:
        service_messaging = ServiceMessaging(svc_settings, database, messaging, handlers)
        upkeep = freeze_upkeep(
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
