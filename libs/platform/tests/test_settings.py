import pytest

from crm_platform.dev_keys import DEV_INTERNAL_PUBLIC_KEY
from crm_platform.settings import InsecureSettingsError, ServiceSettings, normalise_database_url


def test_development_accepts_the_published_dev_key() -> None:
    assert ServiceSettings(environment="development").internal_token_public_key == (
        DEV_INTERNAL_PUBLIC_KEY
    )


def test_production_refuses_the_published_dev_key() -> None:
    with pytest.raises(InsecureSettingsError, match="internal_token_public_key"):
        ServiceSettings(environment="production")


def test_production_accepts_a_real_key() -> None:
    settings = ServiceSettings(environment="production", internal_token_public_key="real-key-pem")
    assert settings.environment == "production"


def test_plain_postgres_urls_use_the_async_driver() -> None:
    assert normalise_database_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert normalise_database_url("postgres://u@h/db") == "postgresql+asyncpg://u@h/db"
    assert normalise_database_url("sqlite:///x.db") == "sqlite+aiosqlite:///x.db"


def test_embedded_default_is_a_sqlite_file_per_service() -> None:
    url = ServiceSettings(service_name="billing").resolved_database_url()
    assert url.startswith("sqlite+aiosqlite:///")
    assert url.endswith("/var/billing.sqlite3")
