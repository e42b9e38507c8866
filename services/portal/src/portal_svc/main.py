"""create_app(): the FastAPI app; its lifespan runs the relay and the consumer."""

from collections.abc import Sequence

from fastapi import FastAPI

from crm_messaging import ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.db import Database
from crm_platform.settings import ServiceSettings
from portal_svc.api import router
from portal_svc.consumers import handlers
from portal_svc.models import messaging
from portal_svc.settings import Settings

DEFAULT_PORT = 8106


def _components(settings: ServiceSettings, database: Database) -> Sequence[Component]:
    return [ServiceMessaging(settings, database, messaging, handlers)]


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Portal: client sign-in and sign-up, the client's own data, knowledge centre",
        routers=[router],
        components=_components,
    )
