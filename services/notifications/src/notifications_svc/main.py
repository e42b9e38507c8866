"""create_app(): the FastAPI app; its lifespan runs the relay and the consumer."""

from collections.abc import Sequence

from fastapi import FastAPI

from crm_messaging import ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.db import Database
from crm_platform.settings import ServiceSettings
from notifications_svc.api import router
from notifications_svc.consumers import handlers
from notifications_svc.models import messaging
from notifications_svc.settings import Settings

DEFAULT_PORT = 8105


def _components(settings: ServiceSettings, database: Database) -> Sequence[Component]:
    return [ServiceMessaging(settings, database, messaging, handlers)]


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Notifications: channels, templates, triggered messages, broadcasts, delivery log",
        routers=[router],
        components=_components,
    )
