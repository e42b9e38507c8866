"""Writing events: an outbox row in the same transaction as the change it reports."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.registry import EventPayload
from crm_messaging.tables import OUTBOX, MessagingTables
from crm_platform.context import causation_id_var, correlation_id_var
from crm_platform.db import pg_connection
from crm_platform.wakeups import wake_on_commit, wakeups


def pg_insert_sql(rows: str) -> str:
    """PostgreSQL's insert of the outbox rows `rows` selects (event_id, event_type,
    tenant_id, body, created_at, in that order): a statement of its own, or a CTE of a
    writer that adds its events in the statement that writes. Whoever runs it wakes the
    relays: pg_notify(Outbox.channel) in the same statement, then Outbox.committed()."""
    return f"INSERT INTO {OUTBOX} (event_id, event_type, tenant_id, body, created_at)\n{rows}"


_ARRAY_ROWS = """SELECT event_id, event_type, tenant_id, body, $5
FROM unnest($1::uuid[], $2::varchar[], $3::uuid[], $4::bytea[])
    AS e(event_id, event_type, tenant_id, body)"""
PG_ADD = f"WITH added AS (\n{pg_insert_sql(_ARRAY_ROWS)}\n)\nSELECT pg_notify($6, '')\n"


def notify_channel(service: str) -> str:
    return f"crm_outbox_{service}"


def encode(envelope: EventEnvelope) -> bytes:
    return envelope.model_dump_json().encode()


def decode(body: bytes) -> EventEnvelope:
    return EventEnvelope.model_validate_json(body)


class Outbox:
    def __init__(self, service: str, tables: MessagingTables) -> None:
        self.service = service
        self.tables = tables
        self.channel = notify_channel(service)

    def envelope(
        self,
        payload: EventPayload,
        *,
        tenant_id: uuid.UUID,
        subject: uuid.UUID | str,
        correlation_id: str | None = None,
    ) -> EventEnvelope:
        """`correlation_id` is for a writer acting for a request other than the current
        one (a group commit); by default the current request's ids are used."""
        return EventEnvelope(
            type=payload.event_type,
            version=payload.event_version,
            source=self.service,
            tenant_id=tenant_id,
            subject=str(subject),
            correlation_id=correlation_id or correlation_id_var.get(),
            causation_id=causation_id_var.get(),
            data=payload.model_dump(mode="json"),
        )

    async def emit(
        self,
        session: AsyncSession,
        payload: EventPayload,
        *,
        tenant_id: uuid.UUID,
        subject: uuid.UUID | str,
    ) -> EventEnvelope:
        envelope = self.envelope(payload, tenant_id=tenant_id, subject=subject)
        await self.add(session, [envelope])
        return envelope

    def committed(self) -> None:
        """Rows written by a statement that committed on its own (outside the session's
        transaction): this process's relays are woken now."""
        wakeups.wake(self.channel)

    async def add(self, session: AsyncSession, envelopes: list[EventEnvelope]) -> None:
        """Stage envelopes in the caller's transaction; they leave only if it commits."""
        if not envelopes:
            return
        now = datetime.now(UTC)
        pg = await pg_connection(session)
        if pg is not None:
            # One statement: the rows as arrays, and LISTENers told once the transaction
            # commits (PostgreSQL folds repeated notifications of one transaction).
            await pg.execute(
                PG_ADD,
                [e.id for e in envelopes],
                [e.type for e in envelopes],
                [e.tenant_id for e in envelopes],
                [encode(e) for e in envelopes],
                now,
                self.channel,
            )
        else:
            await session.execute(
                insert(self.tables.outbox),
                [
                    {
                        "event_id": e.id,
                        "event_type": e.type,
                        "tenant_id": e.tenant_id,
                        "body": encode(e),
                        "created_at": now,
                    }
                    for e in envelopes
                ],
            )
        # Relays of this process are woken when the transaction commits.
        wake_on_commit(session, self.channel)
