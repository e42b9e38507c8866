from pydantic import Field

from crm_platform.dev_keys import DEV_SEAL_PUBLIC_KEY
from crm_platform.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("CLIENTS_")

    service_name: str = "clients"
    # Phone numbers written without a country code are read as numbers of this region
    # (ISO 3166 alpha-2); numbers with "+" or "00" are accepted from anywhere.
    default_phone_region: str = Field(default="PL", pattern=r"^[A-Z]{2}$")
    email_confirmation_ttl_hours: int = Field(default=72, ge=1)
    # How often the upkeep ends freezes whose period has run out.
    freeze_upkeep_seconds: float = Field(default=300.0, gt=0)
    import_max_rows: int = Field(default=20_000, ge=1)
    # Notifications' public key: email confirmation tokens leave sealed to it.
    seal_public_key: str = DEV_SEAL_PUBLIC_KEY

    def _secrets(self) -> dict[str, str]:
        return super()._secrets() | {"seal_public_key": self.seal_public_key}
