"""create_app(): the FastAPI app; its lifespan runs the relay, the consumer and the sender."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from fastapi import FastAPI

from crm_messaging import ServiceMessaging
from crm_platform.app import Component, create_service_app
from crm_platform.clock import system_clock
from crm_platform.db import Database
from crm_platform.sealing import Opener
from crm_platform.settings import ServiceSettings, var_dir
from notifications_svc.api import router
from notifications_svc.channels.base import Channel
from notifications_svc.channels.email import DevMailbox, SmtpEmail
from notifications_svc.channels.sms import SmsGateway
from notifications_svc.channels.telegram import BotApi, TelegramChannel
from notifications_svc.consumers import handlers
from notifications_svc.internal_calls import InternalCalls
from notifications_svc.models import messaging
from notifications_svc.optouts.portal import router as portal_router
from notifications_svc.organisation.settings import OrganisationPrefs
from notifications_svc.push.api import router as devices_router
from notifications_svc.push.channel import PushChannel
from notifications_svc.push.fcm import FcmClient, ServiceAccount
from notifications_svc.push.webpush import WebPushClient, vapid_public_key
from notifications_svc.sending.compose import Composer
from notifications_svc.sending.sender import Sender
from notifications_svc.settings import Settings
from notifications_svc.telegram.bot import Bot
from notifications_svc.telegram.polling import TelegramPolling
from notifications_svc.unsubscribe.tokens import UnsubscribeTokens

DEFAULT_PORT = 8105


class HttpClients:
    """Closes the clients of the outside servers (HTTP APIs, SMTP) when the app stops."""

    name = "http_clients"

    def __init__(
        self,
        *clients: BotApi | InternalCalls | SmsGateway | FcmClient | WebPushClient | SmtpEmail,
    ) -> None:
        self.clients = clients

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        for client in self.clients:
            await client.close()

    async def ready(self) -> None:
        return None


def links(settings: Settings) -> dict[str, str]:
    """Where each one-time link leads (the web front-end's pages)."""
    base = settings.public_url.rstrip("/")
    return {
        "email_confirmation": base + "/my/confirm-email?token={token}",
        "staff_invitation": base + "/app/invite?token={token}",
        "password_reset": base + "/app/password-reset/confirm?token={token}",
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

    bots: list[Bot] = []

    def components(svc_settings: ServiceSettings, database: Database) -> Sequence[Component]:
        service_messaging = ServiceMessaging(svc_settings, database, messaging, handlers)
        running: list[Component] = [service_messaging]
        channels: dict[str, Channel] = {"email": email}
        if isinstance(email, SmtpEmail):
            running.append(HttpClients(email))  # its kept SMTP connections
        # the app's clock, read at each use (tests may fix it)
        clock = lambda: app.state.clock()  # noqa: E731
        if settings.telegram_bot_token:
            api = BotApi(settings.telegram_api_url, settings.telegram_bot_token)
            calls = InternalCalls(
                settings.internal_token_private_key,
                "crm-gateway",
                {"clients": settings.clients_url, "journal": settings.journal_url},
                {
                    "clients": settings.clients_service_name,
                    "journal": settings.journal_service_name,
                },
            )
            channels["telegram"] = TelegramChannel(api)
            bot = Bot(database, api, calls, clock)
            bots.append(bot)
            running.append(HttpClients(api, calls))
            if settings.telegram_polling:
                running.append(TelegramPolling(api, bot))
        if settings.sms_api_url:
            sms = SmsGateway(settings.sms_api_url, settings.sms_api_token, settings.sms_sender)
            channels["sms"] = sms
            running.append(HttpClients(sms))
        fcm = webpush = None
        if settings.fcm_service_account_file:
            account = ServiceAccount.from_file(settings.fcm_service_account_file)
            fcm = FcmClient(account, settings.fcm_api_url)
            running.append(HttpClients(fcm))
        if settings.webpush_vapid_private_key:
            webpush = WebPushClient(settings.webpush_vapid_private_key, settings.webpush_subject)
            running.append(HttpClients(webpush))
        if fcm is not None or webpush is not None:
            channels["push"] = PushChannel(database, fcm, webpush)
        if settings.sender_enabled:
            outbox = service_messaging.outbox
            running.append(Sender(database, outbox, channels, composer, settings, clock))
        return running

    app = create_service_app(
        settings,
        title="Notifications: channels, templates, triggered messages, broadcasts, delivery log",
        routers=[router, portal_router, devices_router],
        components=components,
    )
    app.state.clock = system_clock
    app.state.mailbox = mailbox
    app.state.unsubscribe = unsubscribe
    app.state.prefs = prefs
    app.state.push_kinds = {
        "fcm": bool(settings.fcm_service_account_file),
        "webpush": bool(settings.webpush_vapid_private_key),
    }
    app.state.webpush_hosts = [h.lower() for h in settings.webpush_allowed_hosts]
    key = settings.webpush_vapid_private_key
    app.state.vapid_public_key = vapid_public_key(key) if key else None
    app.state.telegram_bot = bots[0] if bots else None
    return app
