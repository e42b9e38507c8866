"""create_app(): the FastAPI app; its lifespan runs the relay and the consumer."""

from collections.abc import Sequence

from fastapi import FastAPI

from crm_messaging import ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.db import Database
from crm_platform.settings import ServiceSettings
from portal_svc.api import router, staff_router
from portal_svc.consumers import handlers
from portal_svc.context import system_clock
from portal_svc.models import messaging
from portal_svc.overview.cache import OverviewCache
from portal_svc.settings import Settings

DEFAULT_PORT = 8106


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    holder: list[ServiceMessaging] = []

    def components(svc_settings: ServiceSettings, database: Database) -> Sequence[Component]:
        holder.append(ServiceMessaging(svc_settings, database, messaging, handlers))
        return holder

    app = create_service_app(
        settings,
        title="Portal: client sign-in and sign-up, the client's own data, knowledge centre",
        routers=[router, staff_router],
        components=components,
    )
    app.state.outbox = holder[0].outbox
    app.state.overview_cache = OverviewCache(settings.overview_cache_entries)
    # What "now" is; tests set a fixed clock to reach make-up windows and expiries.
    app.state.clock = system_clock
    return app
