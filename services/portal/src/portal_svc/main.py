"""create_app(): the FastAPI app; its lifespan runs the relay and the consumer."""

from collections.abc import Sequence

from fastapi import FastAPI

from crm_messaging import ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.clock import system_clock
from crm_platform.db import Database
from crm_platform.settings import ServiceSettings
from portal_svc.api import router, staff_router
from portal_svc.consumers import handlers
from portal_svc.knowledge.files import S3Files
from portal_svc.models import messaging
from portal_svc.overview import cache
from portal_svc.overview.api import FAST_ROUTES
from portal_svc.settings import Settings

DEFAULT_PORT = 8106


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    holder: list[ServiceMessaging] = []
    versions: list[cache.Versions] = []

    files = S3Files(settings) if settings.files_s3_bucket else None

    def components(svc_settings: ServiceSettings, database: Database) -> Sequence[Component]:
        holder.append(ServiceMessaging(svc_settings, database, messaging, handlers))
        versions.append(cache.versions(database))
        return [holder[0], versions[0], *([files] if files else [])]

    app = create_service_app(
        settings,
        title="Portal: client sign-in and sign-up, the client's own data, knowledge centre",
        routers=[router, staff_router],
        components=components,
        fast_routes=FAST_ROUTES,
    )
    app.state.outbox = holder[0].outbox
    app.state.overview_cache = cache.OverviewCache(settings.overview_cache_entries)
    app.state.overview_versions = versions[0]
    app.state.files = files
    # What "now" is; tests set a fixed clock to reach make-up windows and expiries.
    app.state.clock = system_clock
    return app
