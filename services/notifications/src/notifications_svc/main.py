"""create_app(): the FastAPI app; its lifespan runs the relay, the consumer and the sender."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI

from crm_messaging import ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.db import Database
from crm_platform.sealing import Opener
from crm_platform.settings import ServiceSettings, var_dir
from notifications_svc.api import router
from notifications_svc.channels.base import Channel
from notifications_svc.channels.email import DevMailbox, SmtpEmail
from notifications_svc.consumers import handlers
from notifications_svc.context import system_clock
from notifications_svc.models import messaging
from notifications_svc.organisation.settings import OrganisationPrefs
from notifications_svc.sending.compose import Composer
from notifications_svc.sending.sender import Sender
from notifications_svc.settings import Settings
from notifications_svc.unsubscribe.tokens import UnsubscribeTokens

DEFAULT_PORT = 8105


def links(settings: Settings) -> dict[str, str]:
    """Where each one-time link leads (the web front-end's pages)."""
    base = settings.public_url.rstrip("/")
    return {
        "email_confirmation": base + "/my/confirm-email?token={token}",
        "staff_invitation": base + "/app/accept-invite?token={token}",
        "password_reset": base + "/app/reset-password?token={token}",
    }


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    mailbox: Path | None = None
    email: Channel
    if settings.smtp_url:
        email = SmtpEmail(settings.smtp_url, settings.mail_from, settings.smtp_timeout_seconds)
    else:
        mailbox = var_dir() / "mailbox"
        email = DevMailbox(mailbox, settings.mail_from)
    unsubscribe = UnsubscribeTokens(settings.unsubscribe_secret, settings.public_url)
    prefs = OrganisationPrefs(settings.default_quiet_hours)
    composer = Composer(Opener(settings.seal_private_key), links(settings), unsubscribe, prefs)

    def components(svc_settings: ServiceSettings, database: Database) -> Sequence[Component]:
        running: list[Component] = [ServiceMessaging(svc_settings, database, messaging, handlers)]
        if settings.sender_enabled:
            channels: dict[str, Channel] = {"email": email}
            # the app's clock, read at each use (tests may fix it)
            clock = lambda: app.state.clock()  # noqa: E731
            running.append(Sender(database, channels, composer, settings, clock))
        return running

    app = create_service_app(
        settings,
        title="Notifications: channels, templates, triggered messages, broadcasts, delivery log",
        routers=[router],
        components=components,
    )
    app.state.clock = system_clock
    app.state.mailbox = mailbox
    app.state.unsubscribe = unsubscribe
    app.state.prefs = prefs
    return app
