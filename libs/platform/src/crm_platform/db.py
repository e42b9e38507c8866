"""Async SQLAlchemy engine and sessions; one transaction per unit of work, committed at the edge."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import DateTime, Dialect, MetaData, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import declared_attr
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from crm_platform.errors import ProblemError

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def new_metadata() -> MetaData:
    return MetaData(naming_convention=NAMING_CONVENTION)


class OptimisticVersions:
    """A declarative base mixin: a mapped class with a `version` column is written with
    `UPDATE ... WHERE version = <the version read>`, so a check of If-Match against the row
    read and the write are one atomic step. Of two writers that read the same version, the
    second updates no row and fails (StaleDataError, answered 412 by the problem handlers)
    instead of overwriting the first. The application still sets the new version itself."""

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        table = getattr(cls, "__table__", None)
        if table is not None and "version" in table.c:
            return {"version_id_col": table.c.version, "version_id_generator": False}
        return {}


class UtcDateTime(TypeDecorator[datetime]):
    """A point in time, stored in UTC and always read back aware (in UTC), on every engine:
    `timestamptz` on PostgreSQL; on SQLite, which keeps no offset, the UTC wall time.
    A naive value written is taken to be UTC already."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def create_engine(url: str, *, pool_size: int = 10, **kwargs: Any) -> AsyncEngine:
    if url.startswith("sqlite"):
        engine = create_async_engine(url, poolclass=NullPool, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    # Up to twice `pool_size` connections, opened as needed and all kept once open: an
    # overflow connection would be closed as soon as it was returned, and under a steady
    # load above `pool_size` every unit of work would pay for a new one (a backend's fork and
    # the driver's set-up: 43 new connections for 300 journal grids, 10 at a time).
    engine = create_async_engine(url, pool_size=2 * pool_size, max_overflow=0, **kwargs)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    """Pessimistic disconnect handling without a ping per checkout (pool_pre_ping costs
    three round trips each time): a connection idle for a second or more is pinged when
    taken, and a dead one is replaced (the pool retries the checkout). A connection in
    steady use fails at most one unit of work, which is rolled back, and the pool is
    then invalidated as a whole."""
    pool = engine.sync_engine.pool

    @event.listens_for(pool, "checkin")
    def _checked_in(_: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(pool, "checkout")
    def _checked_out(dbapi_conn: Any, record: Any, _: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
            return
        try:
            dbapi_conn.ping()
        except Exception as exc:
            raise DisconnectionError() from exc


def is_postgres(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "postgresql"


class Database:
    def __init__(self, url: str, *, pool_size: int = 10) -> None:
        self.url = url
        self.engine = create_engine(url, pool_size=pool_size)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncSession]:
        """One transaction: committed when the block ends normally, rolled back otherwise."""
        async with self.sessions() as session, session.begin():
            yield session

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


def dialect_insert(session: AsyncSession, table: Any) -> Any:
    """INSERT for the session's database, with its ON CONFLICT clauses (PostgreSQL, or the
    embedded SQLite)."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


async def advisory_lock(session: AsyncSession, key: str) -> None:
    """Serialise the writers of one key until the transaction ends (PostgreSQL; the embedded
    SQLite default has one writer at a time anyway)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key}
        )


async def insert_once(session: AsyncSession, model: Any, **values: Any) -> bool:
    """Inserts the row unless one with its key exists; True when this transaction did: once-only
    work held by the database. A concurrent transaction inserting the same key waits for this
    one and gets False."""
    stmt = (
        dialect_insert(session, model)
        .values(**values)
        .on_conflict_do_nothing()
        .returning(*model.__table__.primary_key.columns)
    )
    return (await session.execute(stmt)).first() is not None


async def pg_connection(session: AsyncSession, *, begin: bool = True) -> Any | None:
    """The session's asyncpg connection inside its transaction, on PostgreSQL (else None):
    for set-based statements (rows passed as arrays) on hot paths, without the ORM's work
    per statement. Pending ORM changes are flushed first, so such statements see them.

    `begin=False` leaves a session that has not written yet outside a transaction: each
    statement is then a transaction of its own, committed when it ends (a write that is
    one statement needs no BEGIN and COMMIT round trips). The session's next use through
    pg_connection() or the ORM opens its transaction as usual."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    if session.new or session.dirty or session.deleted:
        await session.flush()
    adapted = await (await session.connection()).get_raw_connection()
    dbapi: Any = adapted.dbapi_connection
    if begin and dbapi._transaction is None:  # the driver adapter opens it lazily
        await dbapi._start_transaction()
    return adapted.driver_connection


async def _request_session(request: Request) -> AsyncIterator[AsyncSession]:
    database: Database = request.app.state.database
    async with database.sessions() as session:
        await session.begin()
        try:
            yield session
        except ProblemError as exc:
            if exc.keep_changes:
                await session.commit()
            else:
                await session.rollback()
            raise
        except BaseException:
            await session.rollback()
            raise
        await session.commit()


SessionDep = Annotated[AsyncSession, Depends(_request_session, scope="function")]
