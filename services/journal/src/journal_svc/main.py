"""create_app(): the FastAPI app; its lifespan runs the relay and the consumer."""

from collections.abc import Sequence

from fastapi import FastAPI

from crm_messaging import ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.db import Database
from crm_platform.settings import ServiceSettings
from journal_svc.api import router
from journal_svc.consumers import handlers
from journal_svc.models import messaging
from journal_svc.settings import Settings

DEFAULT_PORT = 8104


def _components(settings: ServiceSettings, database: Database) -> Sequence[Component]:
    return [ServiceMessaging(settings, database, messaging, handlers)]


def create_app(settings: Settings | None = None) -> FastAPI:
    return create_service_app(
        settings or Settings(),
        title="Journal: groups, lessons, enrolments, attendance, make-ups, staff pay",
        routers=[router],
        components=_components,
    )
