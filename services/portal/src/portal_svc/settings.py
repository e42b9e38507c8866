from crm_platform.settings import ServiceSettings, service_config


class Settings(ServiceSettings):
    model_config = service_config("PORTAL_")

    service_name: str = "portal"
