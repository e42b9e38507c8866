"""How `python -m crm_devrun` picks its mode from the environment (against the real servers)."""

from __future__ import annotations

import pytest

from crm_devrun.config import ConfigError, plan_from_env, redacted
from crm_devrun.ports import free_port
from crm_platform.testing import amqp_url, server_database_url


def test_no_settings_is_embedded_on_the_usual_port() -> None:
    plan = plan_from_env({})
    assert (plan.mode, plan.database_url, plan.amqp_url) == ("embedded", None, None)
    assert plan.gateway_port == 8100
    assert plan.pool_size == 3
    assert plan.notices == []


def test_port_and_pool_size_come_from_the_environment() -> None:
    plan = plan_from_env({"PORT": "9000", "DB_POOL_SIZE": "2"})
    assert (plan.gateway_port, plan.pool_size) == (9000, 2)


def test_a_port_must_be_a_number() -> None:
    with pytest.raises(ConfigError, match="PORT"):
        plan_from_env({"PORT": "eighty"})


def test_postgres_and_a_rabbitmq_that_answers_is_distributed() -> None:
    plan = plan_from_env({"DATABASE_URL": server_database_url(), "AMQP_URL": amqp_url()})
    assert plan.mode == "distributed"
    assert plan.amqp_url == amqp_url()


def test_no_rabbitmq_answering_is_embedded_and_says_so() -> None:
    silent = f"amqp://guest:secret@127.0.0.1:{free_port()}/"
    plan = plan_from_env({"DATABASE_URL": server_database_url(), "AMQP_URL": silent})
    assert plan.mode == "embedded"
    assert plan.amqp_url is None
    assert plan.database_url == server_database_url()  # services still use PostgreSQL
    assert "no RabbitMQ answers" in plan.notices[0]
    assert "secret" not in plan.notices[0]


def test_rabbitmq_without_a_database_server_is_embedded() -> None:
    plan = plan_from_env({"AMQP_URL": amqp_url()})
    assert plan.mode == "embedded"
    assert "DATABASE_URL is not set" in plan.notices[0]


def test_a_database_url_must_answer() -> None:
    with pytest.raises(ConfigError, match="no PostgreSQL answers"):
        plan_from_env({"DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/x"})


def test_a_database_url_must_be_postgres() -> None:
    with pytest.raises(ConfigError, match="PostgreSQL server URL"):
        plan_from_env({"DATABASE_URL": "sqlite:///var/crm.sqlite3"})


def test_messages_hide_passwords() -> None:
    assert redacted("amqp://guest:secret@host:5672/") == "amqp://guest:***@host:5672/"
    assert redacted("postgresql://postgres@host/db") == "postgresql://postgres@host/db"
