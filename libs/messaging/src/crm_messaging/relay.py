"""The outbox relay: publishes committed outbox rows and marks them after the broker confirms."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from prometheus_client import Counter
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_messaging.outbox import notify_channel
from crm_messaging.publisher import OutgoingMessage, Publisher
from crm_messaging.tables import OUTBOX, MessagingTables
from crm_platform.db import Database
from crm_platform.logs import get_logger
from crm_platform.periodic import wait_awhile
from crm_platform.wakeups import wakeups

log = get_logger(__name__)
PUBLISHED = Counter("outbox_published_total", "Outbox rows published", ["service"])
PUBLISH_FAILED = Counter(
    "outbox_publish_failed_total", "Outbox publishes not confirmed", ["service"]
)
PG_TAKE = f"""
UPDATE {OUTBOX} SET published_at = $2
WHERE seq IN (
    SELECT seq FROM {OUTBOX} WHERE published_at IS NULL
    ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED
)
RETURNING seq, event_id, event_type, tenant_id, body
"""
PG_UNMARK = f"UPDATE {OUTBOX} SET published_at = NULL WHERE seq = ANY($1::bigint[])"


class OutboxRelay:
    def __init__(
        self,
        service: str,
        database: Database,
        tables: MessagingTables,
        publisher: Publisher,
        *,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        linger_seconds: float = 0.005,
        retention: timedelta = timedelta(days=7),
    ) -> None:
        self.service = service
        self.name = "outbox-relay"
        self.database = database
        self.outbox = tables.outbox
        self.publisher = publisher
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        # Woken by a commit, the relay lingers this long so the commits right behind it
        # go in the same pass: under load one pass (and one commit of its own) per few
        # writes rather than one per write, for a few milliseconds more on the way out.
        self.linger_seconds = linger_seconds
        self.retention = retention
        self.channel = notify_channel(service)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None
        self._own: asyncpg.Connection | None = None  # the relay's own, for its batches
        self._failures = 0

    @property
    def _postgres(self) -> bool:
        return self.database.engine.dialect.name == "postgresql"

    async def start(self) -> None:
        wakeups.register(self.channel, self._wake)
        if self._postgres:
            await self._listen()
        self._task = asyncio.create_task(self.run(), name=f"{self.service}-relay")

    async def stop(self) -> None:
        wakeups.unregister(self.channel, self._wake)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for conn in (self._listener, self._own):
            if conn is not None:
                with contextlib.suppress(Exception):
                    await conn.close()
        self._listener = self._own = None

    async def ready(self) -> None:
        if self._task is None or self._task.done():
            raise RuntimeError("relay is not running")

    def _dsn(self) -> str:
        url = self.database.engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    async def _listen(self) -> None:
        try:
            self._listener = await asyncpg.connect(self._dsn())
            await self._listener.add_listener(self.channel, self._on_notify)
        except (OSError, asyncpg.PostgresError) as exc:
            log.warning("outbox_listen_failed", error=repr(exc))
            self._listener = None

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()

    async def run(self) -> None:
        last_cleanup = datetime.now(UTC)
        while True:
            self._wake.clear()
            try:
                published = await self.publish_pending()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._failures += 1
                delay = min(0.1 * 2**self._failures, 5.0)
                log.warning("outbox_relay_failed", error=repr(exc), retry_in=delay)
                await asyncio.sleep(delay)
                continue
            if published >= self.batch_size:  # a full batch: more may be waiting
                continue
            # Else the outbox was drained as far as this relay can see; a commit since
            # the wake was cleared has set it again, so the wait below returns at once.
            if self._postgres and self._listener is None:
                await self._listen()
            if datetime.now(UTC) - last_cleanup > timedelta(hours=1):
                last_cleanup = datetime.now(UTC)
                try:
                    await self.delete_published_before(last_cleanup - self.retention)
                except Exception as exc:  # the database is away: try again in an hour
                    log.warning("outbox_cleanup_failed", error=repr(exc))
            await wait_awhile(self._wake, self.poll_seconds)
            if self._wake.is_set() and self.linger_seconds > 0:
                await asyncio.sleep(self.linger_seconds)

    async def publish_pending(self) -> int:
        """Publish one batch; returns how many rows were confirmed and marked.

        Rows the broker did not confirm stay unpublished and are tried again; the confirmed
        ones of the same batch are marked all the same, so a failure duplicates nothing.
        """
        if self._postgres:
            confirmed, error = await self._publish_pg()
        else:
            # SQLite has one writer: do not hold a transaction across the publish.
            async with self.database.unit_of_work() as session:
                rows = await self._pending(session)
            confirmed, error = await self._publish(rows)
            async with self.database.unit_of_work() as session:
                await self._mark(session, confirmed)
        if error is not None:
            raise error
        self._failures = 0
        return len(confirmed)

    async def _publish_pg(self) -> tuple[list[int], PublishError | None]:
        """One batch on the relay's own connection (no pool, no session per batch). Rows
        are taken marked and locked (relays of other replicas skip them); the marks of
        rows the broker did not confirm are taken back before the commit, so what
        commits is marked only after its confirm."""
        if self._own is None or self._own.is_closed():
            self._own = await asyncpg.connect(self._dsn())
        conn = self._own
        try:
            async with conn.transaction():
                taken = await conn.fetch(PG_TAKE, self.batch_size, datetime.now(UTC))
                rows = sorted(
                    (
                        row["seq"],
                        OutgoingMessage(
                            row["event_id"], row["event_type"], row["tenant_id"], row["body"]
                        ),
                    )
                    for row in taken
                )
                confirmed, error = await self._publish(rows)
                if len(confirmed) < len(rows):
                    done = set(confirmed)
                    await conn.execute(PG_UNMARK, [seq for seq, _ in rows if seq not in done])
        except BaseException:
            # After any failure the connection may be in any state (a killed backend can
            # leave it neither closed nor usable: "another operation is in progress"), so
            # it is not used again; the server rolls back what it held.
            conn.terminate()
            self._own = None
            raise
        PUBLISHED.labels(self.service).inc(len(confirmed))
        return confirmed, error

    async def _pending(self, session: AsyncSession) -> list[tuple[int, OutgoingMessage]]:
        c = self.outbox.c
        query = (
            select(c.seq, c.event_id, c.event_type, c.tenant_id, c.body)
            .where(c.published_at.is_(None))
            .order_by(c.seq)
            .limit(self.batch_size)
        )
        result = await session.execute(query)
        return [
            (seq, OutgoingMessage(event_id, event_type, tenant_id, bytes(body)))
            for seq, event_id, event_type, tenant_id, body in result.all()
        ]

    async def _publish(
        self, rows: list[tuple[int, OutgoingMessage]]
    ) -> tuple[list[int], PublishError | None]:
        if not rows:
            return [], None
        results = await self.publisher.publish_many([m for _, m in rows])
        confirmed = [seq for (seq, _), err in zip(rows, results, strict=True) if err is None]
        errors = [err for err in results if err is not None]
        if not errors:
            return confirmed, None
        PUBLISH_FAILED.labels(self.service).inc(len(errors))
        return confirmed, PublishError(len(errors), errors[0])

    async def _mark(self, session: AsyncSession, seqs: list[int]) -> None:
        if not seqs:
            return
        await session.execute(
            update(self.outbox)
            .where(self.outbox.c.seq.in_(seqs))
            .values(published_at=datetime.now(UTC))
        )
        PUBLISHED.labels(self.service).inc(len(seqs))

    async def delete_published_before(self, cutoff: datetime) -> int:
        async with self.database.unit_of_work() as session:
            result = await session.execute(
                delete(self.outbox).where(self.outbox.c.published_at < cutoff)
            )
            return int(getattr(result, "rowcount", 0) or 0)


class PublishError(Exception):
    def __init__(self, failed: int, first: BaseException) -> None:
        super().__init__(f"{failed} publishes not confirmed: {first!r}")
        self.failed = failed
