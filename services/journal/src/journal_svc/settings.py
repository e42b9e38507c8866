from crm_platform.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("JOURNAL_")

    service_name: str = "journal"
