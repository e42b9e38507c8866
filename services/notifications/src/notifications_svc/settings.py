from typing import Self

from pydantic import Field, model_validator

from crm_platform.dev_keys import DEV_INTERNAL_PRIVATE_KEY, DEV_SEAL_PRIVATE_KEY
from crm_platform.settings import InsecureSettingsError, ServiceSettings, service_config

# Published on purpose for development; refused when environment=production.
DEV_UNSUBSCRIBE_SECRET = "dev-only-unsubscribe-secret"


class Settings(ServiceSettings):
    model_config = service_config("NOTIFICATIONS_")

    service_name: str = "notifications"
    # smtp://user:password@host:587 (STARTTLS when offered) or smtps://...:465. Empty: letters
    # go to the development mailbox (files under var/mailbox) instead.
    smtp_url: str = ""
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_from: str = "School CRM <no-reply@localhost>"
    # Where people reach the system: links in letters (invitations, unsubscribe) start here.
    public_url: str = "http://127.0.0.1:8100"
    # Private key opening the one-time tokens identity and clients seal to us.
    seal_private_key: str = DEV_SEAL_PRIVATE_KEY
    # Signs the one-click unsubscribe links.
    unsubscribe_secret: str = DEV_UNSUBSCRIBE_SECRET
    # Quiet hours of an organisation that has not chosen its own ("" for none): reminders
    # and news wait until they end, in the organisation's time zone.
    default_quiet_hours: str = Field(
        default="21:00-09:00", pattern=r"^$|^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"
    )
    # Broadcasts leave at most this many messages a second (their send times staggered).
    broadcast_per_second: float = Field(default=50.0, gt=0)
    sender_enabled: bool = True
    sender_poll_seconds: float = Field(default=5.0, gt=0)
    sender_batch: int = Field(default=100, ge=1)
    sender_concurrency: int = Field(default=20, ge=1)
    # Telegram: off until a bot token is set. Updates arrive at the webhook (its secret token
    # checked on every call) or, in development, by long polling.
    telegram_bot_token: str = ""
    telegram_bot_username: str = ""
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_secret: str = Field(default="", pattern=r"^[A-Za-z0-9_-]{0,256}$")
    telegram_polling: bool = False
    telegram_link_ttl_hours: int = Field(default=72, ge=1)
    # The bot binds chats through clients and reports absences to the journal, with a system
    # token signed like the gateway's.
    internal_token_private_key: str = DEV_INTERNAL_PRIVATE_KEY
    clients_url: str = "http://127.0.0.1:8102"
    journal_url: str = "http://127.0.0.1:8104"
    clients_service_name: str = "clients"
    journal_service_name: str = "journal"
    # SMS through an HTTP provider: off until the URL is set (and per organisation until it
    # turns SMS on in its settings).
    sms_api_url: str = ""
    sms_api_token: str = ""
    sms_sender: str = "School"
    # Push to the mobile apps through FCM HTTP v1: off until a service account's JSON key file
    # is given (its project, client email, private key and token URI).
    fcm_service_account_file: str = ""
    fcm_api_url: str = "https://fcm.googleapis.com"
    # Web Push to browsers: off until a VAPID private key is set (base64url raw or DER, as
    # `vapid --gen` or web-push's generate-vapid-keys make it); the subject is a mailto: or
    # https: contact for the push services.
    webpush_vapid_private_key: str = ""
    webpush_subject: str = "mailto:admin@example.com"
    # Subscriptions are accepted only for these push services (and their subdomains): the
    # service POSTs to the endpoint a browser gives, so it must not lead anywhere else.
    webpush_allowed_hosts: list[str] = Field(
        default=[
            "fcm.googleapis.com",
            "updates.push.services.mozilla.com",
            "notify.windows.com",
            "push.apple.com",
        ]
    )
    # Transient failures are retried after these delays in turn, then the message fails.
    retry_delays_seconds: list[float] = Field(default=[30, 120, 600, 1800, 3600, 3 * 3600])
    # A claimed message is taken back by another pass if its sender died this long ago.
    lease_seconds: float = Field(default=120.0, gt=0)

    def _secrets(self) -> dict[str, str]:
        return super()._secrets() | {
            "seal_private_key": self.seal_private_key,
            "unsubscribe_secret": self.unsubscribe_secret,
            "internal_token_private_key": self.internal_token_private_key,
        }

    @model_validator(mode="after")
    def _refuse_dev_unsubscribe_secret(self) -> Self:
        if self.environment == "production" and self.unsubscribe_secret == DEV_UNSUBSCRIBE_SECRET:
            raise InsecureSettingsError(
                "unsubscribe_secret must be set when environment=production"
            )
        return self
