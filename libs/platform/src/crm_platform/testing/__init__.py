"""Test support: real PostgreSQL and RabbitMQ, fresh databases, the gateway's token."""

from crm_platform.testing.infra import (
    amqp_url,
    fresh_database,
    internal_headers,
    server_database_url,
)
from crm_platform.testing.polling import eventually, wait_for
from crm_platform.testing.schema import schema_differences

__all__ = [
    "amqp_url",
    "eventually",
    "fresh_database",
    "internal_headers",
    "schema_differences",
    "server_database_url",
    "wait_for",
]
