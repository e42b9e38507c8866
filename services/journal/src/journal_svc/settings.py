from crm_platform.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("JOURNAL_")

    service_name: str = "journal"
    # How often the seat job looks for enrolments that reached their until-date.
    seat_release_poll_seconds: float = 300.0
    seat_releases_enabled: bool = True
    # Make-ups about to expire are announced this many days before their window closes.
    makeup_expiry_notice_days: int = 3
    makeup_expiry_poll_seconds: float = 3600.0
    makeup_expiry_notices_enabled: bool = True
