"""create_app(): the FastAPI app; its lifespan runs the relay, the consumer and reminders."""

from collections.abc import Sequence

from fastapi import FastAPI

from billing_svc.api import router
from billing_svc.consumers import handlers
from billing_svc.context import system_clock
from billing_svc.models import messaging
from billing_svc.scheduler import ReminderScheduler
from billing_svc.settings import Settings
from crm_messaging import ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.db import Database
from crm_platform.settings import ServiceSettings

DEFAULT_PORT = 8103


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    messaging_holder: list[ServiceMessaging] = []

    def components(svc_settings: ServiceSettings, database: Database) -> Sequence[Component]:
        service_messaging = ServiceMessaging(svc_settings, database, messaging, handlers)
        messaging_holder.append(service_messaging)
        running: list[Component] = [service_messaging]
        if settings.reminders_enabled:
            running.append(
                ReminderScheduler(
                    database,
                    service_messaging.outbox,
                    system_clock,
                    settings.reminder_poll_seconds,
                )
            )
        return running

    app = create_service_app(
        settings,
        title="Billing: catalogue, packs and subscriptions, ledger, payments, invoices, reminders",
        routers=[router],
        components=components,
    )
    app.state.outbox = messaging_holder[0].outbox
    # What "now" is; tests set a fixed clock.
    app.state.clock = system_clock
    return app
