"""Settings base every service extends (env prefix per service, e.g. BILLING_)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from crm_platform.dev_keys import (
    DEV_INTERNAL_PRIVATE_KEY,
    DEV_INTERNAL_PUBLIC_KEY,
    DEV_SEAL_PRIVATE_KEY,
    DEV_SEAL_PUBLIC_KEY,
)

Environment = Literal["development", "test", "production"]
REPO_ROOT = Path(__file__).resolve().parents[4]
VAR_DIR_ENV = "CRM_VAR_DIR"


def var_dir() -> Path:
    """Where the embedded default keeps its files: $CRM_VAR_DIR, else var/ at the repo root."""
    configured = os.environ.get(VAR_DIR_ENV)
    return Path(configured) if configured else REPO_ROOT / "var"


_DEV_SECRETS = (
    DEV_INTERNAL_PUBLIC_KEY,
    DEV_INTERNAL_PRIVATE_KEY,
    DEV_SEAL_PUBLIC_KEY,
    DEV_SEAL_PRIVATE_KEY,
    "",
    "changeme",
)


class InsecureSettingsError(RuntimeError):
    pass


class ServiceSettings(BaseSettings):
    """Common settings. A subclass sets `model_config = service_config("BILLING_")`."""

    model_config = SettingsConfigDict(extra="ignore")

    service_name: str = "service"
    environment: Environment = "development"
    database_url: str = ""
    amqp_url: str = ""
    log_level: str = "INFO"
    log_json: bool = True
    # The gateway signs internal tokens with the private key; services verify with the public one.
    internal_token_public_key: str = DEV_INTERNAL_PUBLIC_KEY
    internal_token_issuer: str = "crm-gateway"
    db_pool_size: int = Field(default=10, ge=1)
    outbox_poll_seconds: float = Field(default=1.0, gt=0)

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Self:
        if self.environment == "production":
            for name, value in self._secrets().items():
                if value in _DEV_SECRETS:
                    raise InsecureSettingsError(
                        f"{name} must be set to a real secret when environment=production"
                    )
        return self

    def _secrets(self) -> dict[str, str]:
        return {"internal_token_public_key": self.internal_token_public_key}

    def resolved_database_url(self) -> str:
        """The database URL, or the embedded default: a SQLite file under var_dir()."""
        if self.database_url:
            return normalise_database_url(self.database_url)
        path = var_dir() / f"{self.service_name}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite+aiosqlite:///{path}"


def service_config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(env_prefix=prefix, extra="ignore", env_file=None)


def normalise_database_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use the asyncpg driver."""
    for plain in ("postgresql://", "postgres://"):
        if url.startswith(plain):
            return "postgresql+asyncpg://" + url[len(plain) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url
