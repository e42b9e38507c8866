"""create_app(): the FastAPI app; its lifespan runs the relay, the consumer, key upkeep and
the announcements the migrations left pending."""

from collections.abc import Sequence

from fastapi import FastAPI

from crm_messaging import ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.clock import system_clock
from crm_platform.db import Database
from crm_platform.settings import ServiceSettings
from identity_svc.announce.startup import PendingAnnouncements
from identity_svc.api import auth_router, internal_router, portal_router, router
from identity_svc.consumers import handlers
from identity_svc.models import messaging
from identity_svc.operators.api import internal_router as operator_internal_router
from identity_svc.operators.api import router as operator_router
from identity_svc.operators.api import sign_in_router as operator_sign_in_router
from identity_svc.settings import Settings
from identity_svc.tokens.keys import keys_for
from identity_svc.tokens.upkeep import KeyUpkeep

DEFAULT_PORT = 8101


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    keys = keys_for(settings)
    messaging_holder: list[ServiceMessaging] = []

    def components(svc_settings: ServiceSettings, database: Database) -> Sequence[Component]:
        service_messaging = ServiceMessaging(svc_settings, database, messaging, handlers)
        messaging_holder.append(service_messaging)
        clock = lambda: app.state.clock()  # noqa: E731  (a test may fix it after the start)
        return [
            service_messaging,
            KeyUpkeep(database, keys, clock),
            PendingAnnouncements(database, service_messaging.outbox, clock),
        ]

    app = create_service_app(
        settings,
        title="Identity: organisations, branches, staff, grants, portal accounts, tokens",
        routers=[
            auth_router,
            operator_sign_in_router,
            router,
            operator_router,
            portal_router,
            internal_router,
            operator_internal_router,
        ],
        components=components,
    )
    app.state.keys = keys
    # What "now" is; a test may fix it.
    app.state.clock = system_clock
    app.state.outbox = messaging_holder[0].outbox
    app.state.messaging = messaging_holder[0]
    return app
