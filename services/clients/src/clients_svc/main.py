"""create_app(): the FastAPI app; its lifespan runs the relay and the consumer."""

from collections.abc import Sequence

from fastapi import FastAPI

from clients_svc.api import router
from clients_svc.consumers import handlers
from clients_svc.models import messaging
from clients_svc.settings import Settings
from crm_messaging import ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.db import Database
from crm_platform.settings import ServiceSettings

DEFAULT_PORT = 8102


def _components(settings: ServiceSettings, database: Database) -> Sequence[Component]:
    return [ServiceMessaging(settings, database, messaging, handlers)]


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Clients: clients, families, tags, leads, anonymous links, client history",
        routers=[router],
        components=_components,
    )
