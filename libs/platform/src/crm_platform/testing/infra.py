"""Where the test servers are: TEST_DATABASE_URL / TEST_AMQP_URL, else the local servers,
else containers through testcontainers when Docker runs."""

from __future__ import annotations

import atexit
import os
import shutil
import socket
import subprocess
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
    """TEST_AMQP_URL, else a virtual host of this test run's own on the local broker (so
    durable queues of one run never collect another run's events), else a container."""
    if url := os.environ.get("TEST_AMQP_URL"):
        return url
    if _answers("127.0.0.1", 5672):
        vhost = _own_vhost()
        return f"{LOCAL_AMQP_URL}{vhost}" if vhost else LOCAL_AMQP_URL
    from testcontainers.rabbitmq import RabbitMqContainer

    container = RabbitMqContainer("rabbitmq:3.13-management-alpine").start()
    _containers.append(container)
    params = container.get_connection_params()
    return f"amqp://guest:guest@{params.host}:{params.port}/"


VHOST_PREFIX = "test_run_"


def _rabbitmqctl(*args: str) -> str | None:
    tool = shutil.which("rabbitmqctl")
    if tool is None:
        return None
    done = subprocess.run([tool, "-q", *args], capture_output=True, text=True, timeout=60)
    return done.stdout if done.returncode == 0 else None


def _own_vhost() -> str | None:
    """Create a vhost for this process's tests, delete it at exit, and sweep vhosts of runs
    that died. None when rabbitmqctl is not at hand (the default vhost is used then)."""
    listed = _rabbitmqctl("list_vhosts")
    if listed is None:
        return None
    for name in listed.split():
        if name.startswith(VHOST_PREFIX) and not _alive(name.removeprefix(VHOST_PREFIX)):
            _rabbitmqctl("delete_vhost", name)
    name = f"{VHOST_PREFIX}{os.getpid()}"
    if _rabbitmqctl("add_vhost", name) is None:
        return None
    _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    atexit.register(_rabbitmqctl, "delete_vhost", name)
    return name


def _alive(pid: str) -> bool:
    if not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
