"""Idempotent consumption: the effect and the (consumer, event_id) row commit together."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.registry import EventPayload
from crm_platform.context import causation_id_var, correlation_id_var
from crm_platform.db import Database
from crm_platform.logs import get_logger

log = get_logger(__name__)
P = TypeVar("P", bound=EventPayload)
Handler = Callable[[AsyncSession, EventEnvelope, Any], Awaitable[None]]


class Outcome(Enum):
    DONE = "done"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Result:
    outcome: Outcome
    error: BaseException | None = None


class Handlers:
    """The events one consumer handles, keyed by (type, version)."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, int], tuple[type[EventPayload], Handler]] = {}

    def on(
        self, payload_type: type[P]
    ) -> Callable[
        [Callable[[AsyncSession, EventEnvelope, P], Awaitable[None]]],
        Callable[[AsyncSession, EventEnvelope, P], Awaitable[None]],
    ]:
        def decorate(
            fn: Callable[[AsyncSession, EventEnvelope, P], Awaitable[None]],
        ) -> Callable[[AsyncSession, EventEnvelope, P], Awaitable[None]]:
            self._by_key[(payload_type.event_type, payload_type.event_version)] = (payload_type, fn)
            return fn

        return decorate

    @property
    def event_types(self) -> set[str]:
        return {t for t, _ in self._by_key}

    def find(self, envelope: EventEnvelope) -> tuple[type[EventPayload], Handler] | None:
        return self._by_key.get((envelope.type, envelope.version))


class InboxConsumer:
    """Runs handlers for a batch of envelopes in one transaction, skipping ones already seen.

    Fast path: one inbox insert for the batch, every handler, one commit. If any handler
    fails, the batch is rolled back and redone one savepoint per event, so a failing event
    does not undo the others.
    """

    def __init__(self, name: str, database: Database, inbox: Table, handlers: Handlers) -> None:
        self.name = name
        self.database = database
        self.inbox = inbox
        self.handlers = handlers

    async def handle_batch(self, envelopes: Sequence[EventEnvelope]) -> list[Result]:
        try:
            async with self.database.unit_of_work() as session:
                return await self._run(session, envelopes, isolate=False)
        except _BatchFailedError:
            pass
        async with self.database.unit_of_work() as session:
            return await self._run(session, envelopes, isolate=True)

    async def _run(
        self, session: AsyncSession, envelopes: Sequence[EventEnvelope], *, isolate: bool
    ) -> list[Result]:
        results: list[Result] = []
        handled = [e for e in envelopes if self.handlers.find(e) is not None]
        fresh = await self._claim(session, handled) if not isolate else None
        for envelope in envelopes:
            found = self.handlers.find(envelope)
            if found is None:
                results.append(Result(Outcome.IGNORED))
                continue
            if not isolate:
                assert fresh is not None
                if envelope.id not in fresh:
                    results.append(Result(Outcome.DUPLICATE))
                    continue
                fresh.discard(envelope.id)
                try:
                    await self._apply(session, envelope, found)
                except Exception as exc:
                    raise _BatchFailedError from exc
                results.append(Result(Outcome.DONE))
                continue
            try:
                async with session.begin_nested():
                    if not await self._claim(session, [envelope]):
                        results.append(Result(Outcome.DUPLICATE))
                        continue
                    await self._apply(session, envelope, found)
                results.append(Result(Outcome.DONE))
            except Exception as exc:
                log.warning(
                    "event_handler_failed",
                    consumer=self.name,
                    event_id=str(envelope.id),
                    event_type=envelope.type,
                    error=repr(exc),
                )
                results.append(Result(Outcome.FAILED, exc))
        return results

    async def _apply(
        self,
        session: AsyncSession,
        envelope: EventEnvelope,
        found: tuple[type[EventPayload], Handler],
    ) -> None:
        payload_type, handler = found
        payload = payload_type.model_validate(envelope.data)
        cid = correlation_id_var.set(envelope.correlation_id)
        caus = causation_id_var.set(str(envelope.id))
        try:
            await handler(session, envelope, payload)
        finally:
            correlation_id_var.reset(cid)
            causation_id_var.reset(caus)

    async def _claim(
        self, session: AsyncSession, envelopes: Sequence[EventEnvelope]
    ) -> set[uuid.UUID]:
        """Insert inbox rows; returns the ids that were not there before."""
        if not envelopes:
            return set()
        now = datetime.now(UTC)
        unique = {e.id: e for e in envelopes}
        rows = [
            {"consumer": self.name, "event_id": e.id, "event_type": e.type, "processed_at": now}
            for e in unique.values()
        ]
        dialect = session.get_bind().dialect.name
        if dialect == "postgresql":
            stmt: Any = postgresql.insert(self.inbox).on_conflict_do_nothing()
        elif dialect == "sqlite":
            stmt = sqlite.insert(self.inbox).on_conflict_do_nothing()
        else:  # pragma: no cover - only the two engines above are supported
            raise RuntimeError(f"unsupported database {dialect}")
        stmt = stmt.returning(self.inbox.c.event_id)
        inserted = (await session.execute(stmt, rows)).scalars().all()
        return set(inserted)

    async def seen(self, event_id: uuid.UUID) -> bool:
        async with self.database.unit_of_work() as session:
            row = await session.execute(
                select(self.inbox.c.event_id).where(
                    self.inbox.c.consumer == self.name, self.inbox.c.event_id == event_id
                )
            )
            return row.first() is not None


class _BatchFailedError(Exception):
    pass
