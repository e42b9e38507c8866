"""Where the test servers are: TEST_DATABASE_URL / TEST_AMQP_URL, else the local servers,
else containers through testcontainers when Docker runs."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from typing import Any

from crm_platform.db_admin import drop_database, ensure_database, with_database
from crm_platform.dev_keys import DEV_INTERNAL_PRIVATE_KEY
from crm_platform.internal_auth import HEADER, InternalTokenSigner, Principal

LOCAL_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
LOCAL_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
_containers: list[Any] = []


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@cache
def server_database_url() -> str:
    if url := os.environ.get("TEST_DATABASE_URL"):
        return url
    if _answers("127.0.0.1", 5432):
        return LOCAL_DATABASE_URL
    from testcontainers.postgres import PostgresContainer

    container = PostgresContainer("postgres:16-alpine", driver=None).start()
    _containers.append(container)
    return str(container.get_connection_url())


@cache
def amqp_url() -> str:
    if url := os.environ.get("TEST_AMQP_URL"):
        return url
    if _answers("127.0.0.1", 5672):
        return LOCAL_AMQP_URL
    from testcontainers.rabbitmq import RabbitMqContainer

    container = RabbitMqContainer("rabbitmq:3.13-management-alpine").start()
    _containers.append(container)
    params = container.get_connection_params()
    return f"amqp://guest:guest@{params.host}:{params.port}/"


@asynccontextmanager
async def fresh_database(prefix: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test module; dropped afterwards."""
    name = f"t_{prefix}_{uuid.uuid4().hex[:10]}"
    url = with_database(server_database_url(), name)
    await ensure_database(url)
    try:
        yield url
    finally:
        await drop_database(url)


_signer = InternalTokenSigner(DEV_INTERNAL_PRIVATE_KEY, issuer="crm-gateway")


def internal_headers(principal: Principal, audience: str) -> dict[str, str]:
    """Headers as the gateway would send them for this principal."""
    return {HEADER: _signer.sign(principal, audience)}
