"""create_app(): the FastAPI app; its lifespan runs the relay and the consumer."""

from collections.abc import Sequence

from fastapi import FastAPI

from crm_messaging import ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.clock import system_clock
from crm_platform.db import Database
from crm_platform.settings import ServiceSettings
from journal_svc.api import internal_router, router
from journal_svc.consumers import handlers
from journal_svc.enrolments.releases import SeatReleases
from journal_svc.grid.api import FAST_ROUTES
from journal_svc.marks.expiring import expiring_makeups_job
from journal_svc.models import messaging
from journal_svc.settings import Settings

DEFAULT_PORT = 8104


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    messaging_holder: list[ServiceMessaging] = []

    def components(svc_settings: ServiceSettings, database: Database) -> Sequence[Component]:
        service_messaging = ServiceMessaging(svc_settings, database, messaging, handlers)
        messaging_holder.append(service_messaging)
        running: list[Component] = [service_messaging]
        if settings.seat_releases_enabled:
            running.append(
                SeatReleases(
                    database,
                    service_messaging.outbox,
                    lambda: app.state.clock(),  # the app's clock, which tests may fix
                    settings.seat_release_poll_seconds,
                )
            )
        if settings.makeup_expiry_notices_enabled:
            running.append(
                expiring_makeups_job(
                    database,
                    service_messaging.outbox,
                    lambda: app.state.clock(),
                    settings.makeup_expiry_notice_days,
                    settings.makeup_expiry_poll_seconds,
                )
            )
        return running

    app = create_service_app(
        settings,
        title="Journal: groups, lessons, enrolments, attendance, make-ups, staff pay",
        routers=[router, internal_router],
        components=components,
        fast_routes=FAST_ROUTES,
    )
    app.state.outbox = messaging_holder[0].outbox
    # What "now" is; tests set a fixed clock to reach make-up windows and rate dates.
    app.state.clock = system_clock
    return app
