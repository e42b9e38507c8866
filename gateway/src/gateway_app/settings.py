"""Gateway settings, env prefix GATEWAY_: where each upstream service answers, the signing key."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, field_validator

from crm_platform.dev_keys import DEV_INTERNAL_PRIVATE_KEY
from crm_platform.settings import ServiceSettings, service_config

# The six contexts behind the gateway, then the web front-end, in the order they are listed
# and checked.
UPSTREAMS = ("identity", "clients", "billing", "journal", "notifications", "portal", "web")


class GatewaySettings(ServiceSettings):
    model_config = service_config("GATEWAY_")

    service_name: str = "gateway"
    # Signs the internal token forwarded to services; refused in production (see _secrets).
    internal_token_private_key: str = DEV_INTERNAL_PRIVATE_KEY
    identity_url: str = "http://127.0.0.1:8101"
    clients_url: str = "http://127.0.0.1:8102"
    billing_url: str = "http://127.0.0.1:8103"
    journal_url: str = "http://127.0.0.1:8104"
    notifications_url: str = "http://127.0.0.1:8105"
    portal_url: str = "http://127.0.0.1:8106"
    web_url: str = "http://127.0.0.1:8107"
    # The one pooled HTTP client to every upstream: open connections in all, time per call.
    upstream_max_connections: int = Field(default=200, ge=1)
    upstream_timeout_seconds: float = Field(default=10.0, gt=0)
    # Issuer of the access tokens the gateway accepts (identity's token_issuer).
    token_issuer: str = "crm-identity"
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    rate_per_address: float = Field(default=100.0, gt=0)
    burst_per_address: int = Field(default=200, ge=1)
    rate_per_user: float = Field(default=50.0, gt=0)
    burst_per_user: int = Field(default=100, ge=1)
    rate_per_link_address: float = Field(default=1.0, gt=0)
    burst_per_link_address: int = Field(default=30, ge=1)
    cors_origins: list[str] = Field(default_factory=list)

    @field_validator(
        "identity_url",
        "clients_url",
        "billing_url",
        "journal_url",
        "notifications_url",
        "portal_url",
        "web_url",
    )
    @classmethod
    def _base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"an upstream must be an http(s) base URL, not {value!r}")
        return value.rstrip("/")

    def _secrets(self) -> dict[str, str]:
        return super()._secrets() | {"internal_token_private_key": self.internal_token_private_key}

    def upstream_urls(self) -> dict[str, str]:
        """Base URL of every upstream service, by context name."""
        return {name: str(getattr(self, f"{name}_url")) for name in UPSTREAMS}


# The name every member's settings module exposes (runners and deploy tooling look for it).
Settings = GatewaySettings
