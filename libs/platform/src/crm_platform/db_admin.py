"""Creating databases and applying a service's Alembic migrations (used by runners and tests)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import asyncpg
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from crm_platform.settings import normalise_database_url

_SAFE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    return (
        make_url(normalise_database_url(url))
        .set(database=name)
        .render_as_string(hide_password=False)
    )


def _plain(url: str) -> str:
    return (
        make_url(normalise_database_url(url))
        .set(drivername="postgresql")
        .render_as_string(hide_password=False)
    )


async def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database the URL names, if missing. Returns True when created."""
    target = make_url(normalise_database_url(url))
    if not target.drivername.startswith("postgresql"):
        return False
    name = target.database or ""
    if not _SAFE_NAME.match(name):
        raise ValueError(f"unsafe database name {name!r}")
    conn = await asyncpg.connect(_plain(with_database(url, "postgres")))
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if exists:
            return False
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        except asyncpg.DuplicateDatabaseError:
            return False
        return True
    finally:
        await conn.close()


async def drop_database(url: str) -> None:
    target = make_url(normalise_database_url(url))
    name = target.database or ""
    if not _SAFE_NAME.match(name):
        raise ValueError(f"unsafe database name {name!r}")
    conn = await asyncpg.connect(_plain(with_database(url, "postgres")))
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def alembic_config(service_dir: Path, url: str) -> Config:
    config = Config(str(service_dir / "alembic.ini"))
    config.set_main_option("script_location", str(service_dir / "migrations"))
    config.set_main_option("sqlalchemy.url", normalise_database_url(url).replace("%", "%%"))
    return config


def upgrade_sync(service_dir: Path, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(service_dir, url), revision)


async def upgrade(service_dir: Path, url: str, revision: str = "head") -> None:
    """Apply migrations; alembic runs its own event loop, so it gets a thread of its own."""
    await asyncio.to_thread(upgrade_sync, service_dir, url, revision)
