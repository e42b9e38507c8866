from typing import Self

from pydantic import Field, field_validator, model_validator

from crm_contracts.plans import DEFAULT_PLAN, PLANS
from crm_platform.dev_keys import DEV_SEAL_PUBLIC_KEY
from crm_platform.settings import InsecureSettingsError, ServiceSettings, service_config

# Published on purpose for development; refused when environment=production.
DEV_KEY_ENCRYPTION_KEY = "ZGV2LW9ubHkta2V5LWVuY3J5cHRpb24ta2V5LTMyYiE="


class Settings(ServiceSettings):
    model_config = service_config("IDENTITY_")

    service_name: str = "identity"
    token_issuer: str = "crm-identity"
    access_token_ttl_seconds: int = Field(default=15 * 60, ge=60, le=3600)
    refresh_token_ttl_days: int = Field(default=30, ge=1, le=365)
    # Fernet key that encrypts the token-signing private keys at rest.
    key_encryption_key: str = DEV_KEY_ENCRYPTION_KEY
    # A new signing key is published this long before it signs, so every cached JWKS has it.
    key_publish_ahead_seconds: int = Field(default=15 * 60, ge=0)
    signing_key_lifetime_days: int = Field(default=30, ge=1)
    # Failed sign-ins, counted within the window, after which each further attempt waits
    # (lockout_first_delay_seconds, twice as long after each further failure, up to
    # lockout_max_delay_seconds): of one
    # account from one address; of one account from anywhere and of one address on any
    # account, except where that account has signed in from that address before.
    lockout_failures: int = Field(default=5, ge=1)
    account_failures: int = Field(default=20, ge=1)
    address_failures: int = Field(default=50, ge=1)
    lockout_window_seconds: int = Field(default=15 * 60, ge=1)
    lockout_first_delay_seconds: int = Field(default=1, ge=1)
    lockout_max_delay_seconds: int = Field(default=15 * 60, ge=1)
    invite_ttl_hours: int = Field(default=72, ge=1)
    reset_ttl_minutes: int = Field(default=30, ge=5)
    # Notifications' public key: invitation and reset tokens leave sealed to it.
    seal_public_key: str = DEV_SEAL_PUBLIC_KEY
    # Client portal one-time codes: how long one lives, how many wrong tries it takes, and how
    # many may be issued per login and per caller address within the window.
    portal_code_ttl_minutes: int = Field(default=10, ge=1, le=60)
    portal_code_attempts: int = Field(default=5, ge=1)
    portal_codes_per_login: int = Field(default=5, ge=1)
    portal_codes_per_address: int = Field(default=20, ge=1)
    portal_code_window_seconds: int = Field(default=15 * 60, ge=1)
    # The plan of a new organisation: "standard" (no limits) suits a self-hosted school; a
    # hosted service sets "free" (three active clients) and operators raise it.
    default_plan: str = DEFAULT_PLAN

    @field_validator("default_plan")
    @classmethod
    def _known_plan(cls, value: str) -> str:
        if value not in PLANS:
            raise ValueError(f"default_plan must be one of {', '.join(sorted(PLANS))}")
        return value

    @model_validator(mode="after")
    def _refuse_dev_key_encryption_key(self) -> Self:
        if self.environment == "production" and self.key_encryption_key == DEV_KEY_ENCRYPTION_KEY:
            raise InsecureSettingsError(
                "key_encryption_key must be set when environment=production"
            )
        if self.environment == "production" and self.seal_public_key == DEV_SEAL_PUBLIC_KEY:
            raise InsecureSettingsError("seal_public_key must be set when environment=production")
        return self
