"""Which mode `python -m crm_devrun` runs in, decided from the environment.

- DATABASE_URL: a PostgreSQL server; each service gets its database `crm_<service>` on it.
  Unset: each service's database is a SQLite file under var/ (or $CRM_VAR_DIR).
- AMQP_URL: RabbitMQ. When it answers and DATABASE_URL is set, every service and the
  gateway run as processes of their own (distributed). When it is unset or nothing answers,
  everything runs in this one process on the in-process bus (embedded).
- PORT: the gateway's port (default 8100). Services use 8101-8106, or free ports if taken.
- DB_POOL_SIZE: connections per service pool (default 3; PostgreSQL allows 100 in all).
- DATABASE_PREFIX: the databases' names are `<prefix>_<service>` (default crm).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from crm_devrun.catalogue import GATEWAY

Mode = Literal["embedded", "distributed"]
DEFAULT_POOL_SIZE = 3
_DEFAULT_PORTS = {"amqp": 5672, "amqps": 5671}


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Plan:
    mode: Mode
    database_url: str | None
    amqp_url: str | None
    gateway_port: int
    pool_size: int
    host: str = "127.0.0.1"
    environment: str = "development"
    database_prefix: str = "crm"
    notices: list[str] = field(default_factory=list)


def answers(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def redacted(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


def broker_answers(amqp_url: str) -> bool:
    parts = urlsplit(amqp_url)
    port = parts.port or _DEFAULT_PORTS.get(parts.scheme, 5672)
    return answers(parts.hostname or "127.0.0.1", port)


def database_server_answers(database_url: str) -> bool:
    url = make_url(database_url)
    return answers(url.host or "127.0.0.1", url.port or 5432)


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from exc


def plan_from_env(env: Mapping[str, str]) -> Plan:
    database_url = env.get("DATABASE_URL", "").strip() or None
    amqp_url = env.get("AMQP_URL", "").strip() or None
    gateway_port = _int(env, "PORT", GATEWAY.default_port)
    pool_size = _int(env, "DB_POOL_SIZE", DEFAULT_POOL_SIZE)
    database_prefix = env.get("DATABASE_PREFIX", "").strip() or "crm"
    if not re.fullmatch(r"[a-z][a-z0-9_]*", database_prefix):
        raise ConfigError(f"DATABASE_PREFIX must be letters, digits and _, not {database_prefix!r}")
    notices: list[str] = []
    if database_url is not None:
        if not database_url.startswith(("postgresql", "postgres://")):
            raise ConfigError("DATABASE_URL must be a PostgreSQL server URL (postgresql://...)")
        if not database_server_answers(database_url):
            raise ConfigError(f"no PostgreSQL answers at DATABASE_URL={redacted(database_url)}")
    mode: Mode = "embedded"
    if amqp_url is not None:
        if not broker_answers(amqp_url):
            notices.append(
                f"no RabbitMQ answers at AMQP_URL={redacted(amqp_url)}: "
                "running embedded, on the in-process bus"
            )
        elif database_url is None:
            notices.append(
                "RabbitMQ answers but DATABASE_URL is not set: running embedded "
                "(set both to run each service as its own process)"
            )
        else:
            mode = "distributed"
    return Plan(
        mode=mode,
        database_url=database_url,
        amqp_url=amqp_url if mode == "distributed" else None,
        gateway_port=gateway_port,
        pool_size=pool_size,
        notices=notices,
        database_prefix=database_prefix,
    )
