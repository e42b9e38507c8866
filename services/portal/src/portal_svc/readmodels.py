"""The portal's copies of other contexts' data, kept from their events.

Every copy is set from an event's whole state and remembers that event's time: a state older
than the one it would replace changes nothing, so redelivered and out-of-order events converge
on the owner's state, and replaying the log (rebuild.py) gives the same result."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_platform.db import dialect_insert
from portal_svc.models import (
    Branch,
    Client,
    Comment,
    Enrolment,
    EventLog,
    Group,
    Invoice,
    Lesson,
    Mark,
    Message,
    Organisation,
    Pack,
    PackMember,
    Payment,
    SourceSeen,
)
from portal_svc.tables import Base

R = TypeVar("R", bound=Base)
# What a rebuild empties before it replays the log (the organisations last).
READ_MODELS = (
    Branch,
    Client,
    Message,
    Comment,
    Enrolment,
    Group,
    Invoice,
    Lesson,
    Mark,
    Pack,
    PackMember,
    Payment,
    SourceSeen,
    Organisation,
)


def newer(known: datetime | None, incoming: datetime) -> bool:
    return known is None or incoming >= known


class ReadModels:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _row(self, model: type[R], key: uuid.UUID, tenant_id: uuid.UUID, **init: Any) -> R:
        """The row under `key`, created empty when missing. An id of another organisation
        raises (ids are never shared, so such an event is parked, not mixed in)."""
        row = await self.session.get(model, key)
        if row is None:
            pk = str(model.__mapper__.primary_key[0].key)
            row = model(**{"tenant_id": tenant_id, pk: key, **init})
            self.session.add(row)
        elif row.tenant_id != tenant_id:  # type: ignore[attr-defined]
            raise ValueError(f"{model.__name__} {key} belongs to another organisation")
        return row

    async def log(self, envelope: EventEnvelope) -> None:
        """The consumed event, for a rebuild; one delivered again is logged once."""
        await self.session.execute(
            dialect_insert(self.session, EventLog)
            .values(
                event_id=envelope.id,
                tenant_id=envelope.tenant_id,
                time=envelope.time,
                envelope=envelope.model_dump_json(),
            )
            .on_conflict_do_nothing()
        )

    async def logged(
        self, tenant_id: uuid.UUID | None, after: tuple[datetime, int] | None, limit: int
    ) -> list[tuple[datetime, int, str]]:
        """The next page of the log (of one organisation, or all), oldest first."""
        query = select(EventLog.time, EventLog.seq, EventLog.envelope)
        if tenant_id is not None:
            query = query.where(EventLog.tenant_id == tenant_id)
        if after is not None:
            query = query.where(tuple_(EventLog.time, EventLog.seq) > after)
        rows = await self.session.execute(query.order_by(EventLog.time, EventLog.seq).limit(limit))
        return [(time, seq, raw) for time, seq, raw in rows]

    async def clear(self, tenant_id: uuid.UUID | None) -> None:
        """Empties the read models, of one organisation or all."""
        for model in READ_MODELS:
            stmt = delete(model)
            if tenant_id is not None:
                stmt = stmt.where(model.tenant_id == tenant_id)
            await self.session.execute(stmt)

    async def find_organisation(self, tenant_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, tenant_id)

    async def branch(self, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> None:
        """A branch of the organisation; a branch never moves to another one."""
        await self._row(Branch, branch_id, tenant_id)

    async def find_branch(self, branch_id: uuid.UUID) -> Branch | None:
        return await self.session.get(Branch, branch_id)

    async def seen(self, tenant_id: uuid.UUID, source: str, at: datetime) -> None:
        row = await self.session.get(SourceSeen, (tenant_id, source))
        if row is None:
            self.session.add(SourceSeen(tenant_id=tenant_id, source=source, last_event_at=at))
        elif newer(row.last_event_at, at):
            row.last_event_at = at

    async def organisation(
        self, tenant_id: uuid.UUID, at: datetime, name: str, currency: str, time_zone: str
    ) -> None:
        org = await self.find_organisation(tenant_id)
        if org is None:
            org = Organisation(tenant_id=tenant_id)
            self.session.add(org)
        elif not newer(org.state_at, at):
            return
        org.name, org.currency, org.time_zone, org.state_at = name, currency, time_zone, at

    async def client_card(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, at: datetime, **fields: Any
    ) -> None:
        card = await self._row(Client, client_id, tenant_id)
        if not newer(card.card_at, at):
            return
        family_id = fields.pop("family_id", None)
        status = fields.pop("status")
        for name, value in fields.items():
            setattr(card, name, value)
        card.card_at = at
        if newer(card.status_at, at):
            card.status, card.status_at = status, at
        if newer(card.family_at, at):
            card.family_id, card.family_at = family_id, at

    async def client_status(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, at: datetime, status: str
    ) -> None:
        card = await self._row(Client, client_id, tenant_id)
        if newer(card.status_at, at):
            card.status, card.status_at = status, at

    async def family(
        self,
        tenant_id: uuid.UUID,
        family_id: uuid.UUID,
        at: datetime,
        member_ids: list[uuid.UUID],
    ) -> None:
        """The whole family now: members join it, anyone else who was in it leaves."""
        former = list(
            await self.session.scalars(
                select(Client.client_id).where(
                    Client.tenant_id == tenant_id, Client.family_id == family_id
                )
            )
        )
        for client_id in member_ids:
            card = await self._row(Client, client_id, tenant_id)
            if newer(card.family_at, at):
                card.family_id, card.family_at = family_id, at
        for client_id in former:
            if client_id in member_ids:
                continue
            card = await self._row(Client, client_id, tenant_id)
            if card.family_id == family_id and newer(card.family_at, at):
                card.family_id, card.family_at = None, at

    async def balance(
        self,
        tenant_id: uuid.UUID,
        client_id: uuid.UUID,
        at: datetime,
        minor: int,
        currency: str,
        sequence: int | None,
    ) -> None:
        """The higher sequence wins (billing counts a balance's changes); by time without one."""
        card = await self._row(Client, client_id, tenant_id)
        if sequence is not None and card.balance_seq is not None:
            fresher = sequence >= card.balance_seq
        else:
            fresher = newer(card.balance_at, at)
        if fresher:
            card.balance_minor, card.currency, card.balance_at = minor, currency, at
            card.balance_seq = sequence if sequence is not None else card.balance_seq

    async def message(self, tenant_id: uuid.UUID, **fields: Any) -> None:
        message = await self._row(Message, fields["message_id"], tenant_id)
        for name, value in fields.items():
            setattr(message, name, value)

    async def pack(
        self, tenant_id: uuid.UUID, at: datetime, members: list[uuid.UUID], **state: Any
    ) -> None:
        pack = await self._row(Pack, state["pack_id"], tenant_id)
        if not newer(pack.state_at, at):
            return
        for name, value in state.items():
            setattr(pack, name, value)
        pack.state_at = at
        await self.session.execute(delete(PackMember).where(PackMember.pack_id == pack.pack_id))
        for member in sorted(set(members) - {pack.client_id}):
            self.session.add(
                PackMember(pack_id=pack.pack_id, client_id=member, tenant_id=tenant_id)
            )

    async def invoice(self, tenant_id: uuid.UUID, at: datetime, **state: Any) -> None:
        invoice = await self._row(Invoice, state["invoice_id"], tenant_id, issued_at=at)
        if invoice.state_at is not None and not newer(invoice.state_at, at):
            return
        for name, value in state.items():
            setattr(invoice, name, value)
        invoice.issued_at = min(invoice.issued_at, at)
        invoice.state_at = at

    async def payment(self, tenant_id: uuid.UUID, **fields: Any) -> None:
        payment = await self._row(Payment, fields["entry_id"], tenant_id, cancelled=False)
        for name, value in fields.items():
            setattr(payment, name, value)
        payment.recorded = True

    async def entry_cancelled(
        self, tenant_id: uuid.UUID, entry_id: uuid.UUID, client_id: uuid.UUID | None
    ) -> None:
        """Only payments are shown; a cancelled entry of another kind leaves a row that is
        never recorded, so never shown."""
        payment = await self._row(Payment, entry_id, tenant_id, recorded=False)
        payment.cancelled = True
        if payment.client_id is None:
            payment.client_id = client_id

    async def group(self, tenant_id: uuid.UUID, at: datetime, **state: Any) -> None:
        group = await self._row(Group, state["group_id"], tenant_id)
        if group.state_at is not None and not newer(group.state_at, at):
            return
        for name, value in state.items():
            setattr(group, name, value)
        group.state_at = at

    async def enrolment(self, tenant_id: uuid.UUID, *, ended: bool, **state: Any) -> None:
        """An enrolment's end is final: a start delivered after it keeps the end."""
        row = await self._row(Enrolment, state["enrolment_id"], tenant_id, ended=False)
        until = state.pop("until_date", None)
        for name, value in state.items():
            setattr(row, name, value)
        if ended:
            row.ended, row.until_date = True, until
        elif not row.ended:
            row.until_date = until

    async def lesson(self, tenant_id: uuid.UUID, at: datetime, **state: Any) -> None:
        lesson = await self._row(Lesson, state["lesson_id"], tenant_id, cancelled=False)
        if lesson.state_at is not None and not newer(lesson.state_at, at):
            return
        for name, value in state.items():
            setattr(lesson, name, value)
        lesson.state_at = at

    async def lesson_cancelled(
        self,
        tenant_id: uuid.UUID,
        lesson_id: uuid.UUID,
        at: datetime,
        group_id: uuid.UUID,
        branch_id: uuid.UUID,
        lesson_date: date,
    ) -> None:
        """Cancelling is final; a lesson not seen yet is kept as cancelled."""
        lesson = await self._row(
            Lesson,
            lesson_id,
            tenant_id,
            group_id=group_id,
            branch_id=branch_id,
            lesson_date=lesson_date,
            starts_at="00:00",
            duration_minutes=0,
            state_at=at,
        )
        lesson.cancelled = True

    async def mark(self, tenant_id: uuid.UUID, at: datetime, **state: Any) -> None:
        mark = await self._row(Mark, state["mark_id"], tenant_id)
        if mark.state_at is not None and not newer(mark.state_at, at):
            return
        for name, value in state.items():
            setattr(mark, name, value)
        mark.state_at = at

    async def comment(self, tenant_id: uuid.UUID, **state: Any) -> None:
        comment = await self._row(Comment, state["comment_id"], tenant_id)
        if comment.version is not None and state["version"] < comment.version:
            return
        for name, value in state.items():
            setattr(comment, name, value)
