from pydantic import Field

from crm_platform.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("BILLING_")

    service_name: str = "billing"
    # How often reminders are looked for besides when a due item is created.
    reminder_poll_seconds: float = Field(default=60.0, gt=0)
    reminders_enabled: bool = True
