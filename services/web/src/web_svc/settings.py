"""Web settings, env prefix WEB_: where the gateway answers, the session key."""

from __future__ import annotations

from typing import Self

from pydantic import Field, model_validator

from crm_platform.settings import InsecureSettingsError, ServiceSettings, service_config

# Published on purpose so that `make run` works with no settings; refused in production.
DEV_SESSION_SECRET = "development-only-web-session-secret"


class Settings(ServiceSettings):
    model_config = service_config("WEB_")

    service_name: str = "web"
    # The public API every page is rendered from (the gateway's own address).
    gateway_url: str = "http://127.0.0.1:8100"
    gateway_timeout_seconds: float = Field(default=15.0, gt=0)
    # Encrypts the session cookies (they hold the person's tokens).
    session_secret: str = DEV_SESSION_SECRET
    # Marks a text that has no translation in the page's language (the tests look for it).
    mark_untranslated: bool = False

    @model_validator(mode="after")
    def _refuse_development_secret(self) -> Self:
        if self.environment == "production" and self.session_secret in (
            DEV_SESSION_SECRET,
            "",
            "changeme",
        ):
            raise InsecureSettingsError("session_secret must be a real secret in production")
        return self

    def _secrets(self) -> dict[str, str]:
        # The web verifies no internal token: its only secret is the session key.
        return {}
