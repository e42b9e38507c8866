from pydantic import Field

from crm_platform.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("BILLING_")

    service_name: str = "billing"
    # How often the scheduler ends periods that are over (renewals, expiry) and looks for
    # reminders, besides when a due item is created.
    reminder_poll_seconds: float = Field(default=60.0, gt=0)
    # The scheduler: renewals, expiry and reminders.
    reminders_enabled: bool = True
