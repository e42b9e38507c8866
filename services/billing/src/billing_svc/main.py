"""create_app(): the FastAPI app; its lifespan runs the relay, the consumer and reminders."""

from collections.abc import Sequence

from fastapi import FastAPI

from billing_svc.api import router
from billing_svc.consumers import handlers
from billing_svc.ledger.api import FAST_ROUTES
from billing_svc.ledger.payments import Paid, PaymentRequest, PaymentWriter
from billing_svc.models import idempotency, messaging
from billing_svc.reminders.scheduler import ReminderScheduler
from billing_svc.settings import Settings
from crm_messaging import ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.clock import system_clock
from crm_platform.db import Database
from crm_platform.group_commit import GroupCommit
from crm_platform.idempotency import IdempotencyStore
from crm_platform.settings import ServiceSettings

DEFAULT_PORT = 8103


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    messaging_holder: list[ServiceMessaging] = []
    payments_holder: list[GroupCommit[PaymentRequest, Paid]] = []

    def components(svc_settings: ServiceSettings, database: Database) -> Sequence[Component]:
        service_messaging = ServiceMessaging(svc_settings, database, messaging, handlers)
        messaging_holder.append(service_messaging)
        keys = IdempotencyStore(idempotency)
        # "now" is app.state.clock, read at each use (tests set a fixed clock).
        writer = PaymentWriter(service_messaging.outbox, lambda: app.state.clock(), keys)
        payments = GroupCommit("payments", database, writer)
        payments_holder.append(payments)
        running: list[Component] = [service_messaging, payments]
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
        fast_routes=FAST_ROUTES,
    )
    app.state.outbox = messaging_holder[0].outbox
    app.state.payments = payments_holder[0]
    app.state.clock = system_clock
    return app
