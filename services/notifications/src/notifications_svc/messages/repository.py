"""Every query on messages and their attempts."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.ids import uuid7
from crm_platform.db import dialect_insert
from crm_platform.pagination import keyset
from notifications_svc.models import (
    Attempt,
    Balance,
    Broadcast,
    Client,
    Invoice,
    Message,
    OptOut,
    Organisation,
    PushDevice,
    Template,
)

WAITING = ("queued", "deferred")


# PostgreSQL's driver takes at most 32,767 values a statement: ids in one IN (...).
IDS_PER_QUERY = 5_000


def chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass
class Known:
    """What queueing or sending a batch for these clients asks about each, loaded in a few
    queries (news only when queueing: `news_since` is None when sending)."""

    clients: set[uuid.UUID]
    news_since: datetime | None
    devices: set[uuid.UUID] = field(default_factory=set)
    opt_outs: set[tuple[uuid.UUID, str, str]] = field(default_factory=set)
    news: dict[uuid.UUID, int] = field(default_factory=dict)


@dataclass
class Held:
    """Rows a batch asked for, held by the repository: the session's identity map keeps
    only referenced rows, so a row looked up for one message was read again for the next.
    A key present with None: looked up and not there."""

    organisations: dict[uuid.UUID, Organisation | None] = field(default_factory=dict)
    clients: dict[uuid.UUID, Client | None] = field(default_factory=dict)
    broadcasts: dict[uuid.UUID, Broadcast | None] = field(default_factory=dict)
    invoices: dict[uuid.UUID, Invoice | None] = field(default_factory=dict)
    balances: dict[uuid.UUID, Balance | None] = field(default_factory=dict)
    # (tenant, trigger) whose templates were all loaded, and those found
    template_scope: set[tuple[uuid.UUID, str]] = field(default_factory=set)
    templates: dict[tuple[uuid.UUID, str, str, str], Template] = field(default_factory=dict)


def source_id(source: str | None, kind: str) -> uuid.UUID | None:
    """The id of a message's source ("invoice:<id>", "broadcast:<id>") of this kind."""
    found, _, ref = (source or "").partition(":")
    try:
        return uuid.UUID(ref) if found == kind else None
    except ValueError:
        return None


class MessagesRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.known: Known | None = None
        self.held = Held()
        self._attempts: list[dict[str, Any]] | None = None

    async def learn_sending(self, messages: Sequence[Message]) -> None:
        """Loads what composing these messages asks about, a query per kind of row for the
        whole batch: clients, their push devices and opt-outs, organisations, broadcasts,
        the organisations' own templates, invoices and balances re-checked."""
        held = self.held
        client_ids = {m.client_id for m in messages if m.client_id is not None}
        await self.learn(list(client_ids), None)
        await self._hold(held.clients, Client, client_ids)
        await self._hold(held.organisations, Organisation, {m.tenant_id for m in messages})
        await self._hold(
            held.broadcasts, Broadcast, {source_id(m.source, "broadcast") for m in messages}
        )
        await self._hold(held.invoices, Invoice, {source_id(m.source, "invoice") for m in messages})
        rechecked = {
            m.client_id for m in messages if m.source and not m.source.startswith("broadcast:")
        }
        await self._hold(held.balances, Balance, rechecked)
        scope = {(m.tenant_id, m.trigger) for m in messages if m.trigger != "broadcast"}
        if scope:
            query = select(Template).where(
                Template.tenant_id.in_({t for t, _ in scope}),
                Template.trigger.in_({trigger for _, trigger in scope}),
            )
            for row in (await self.session.execute(query)).scalars():
                held.templates[(row.tenant_id, row.trigger, row.channel, row.locale)] = row
            held.template_scope |= scope

    async def _hold(self, into: dict[uuid.UUID, Any], model: Any, ids: set[Any]) -> None:
        wanted = [i for i in ids if i is not None and i not in into]
        key = model.__mapper__.primary_key[0]
        for part in chunks(wanted, IDS_PER_QUERY):
            rows = (await self.session.execute(select(model).where(key.in_(part)))).scalars()
            found = {getattr(row, key.key): row for row in rows}
            into.update({i: found.get(i) for i in part})

    async def learn(self, client_ids: Sequence[uuid.UUID], news_since: datetime | None) -> None:
        """Loads, for a batch of clients, their push devices, opt-outs and (given
        `news_since`) news since then: has_push_device, opted_out and news_count then answer
        from memory."""
        known = Known(set(client_ids), news_since)
        for part in chunks(list(known.clients), IDS_PER_QUERY):
            devices = select(PushDevice.client_id).where(PushDevice.client_id.in_(part))
            known.devices.update((await self.session.execute(devices)).scalars())
            opt_outs = select(OptOut.client_id, OptOut.category, OptOut.channel).where(
                OptOut.client_id.in_(part)
            )
            known.opt_outs.update(
                (c, cat, ch) for c, cat, ch in (await self.session.execute(opt_outs)).all()
            )
            if news_since is None:
                continue
            news = (
                select(Message.client_id, func.count())
                .where(Message.client_id.in_(part), *self._news_since(news_since))
                .group_by(Message.client_id)
            )
            known.news.update({c: int(n) for c, n in (await self.session.execute(news)).all() if c})
        self.known = known

    def _knows(self, client_id: uuid.UUID) -> Known | None:
        return self.known if self.known and client_id in self.known.clients else None

    async def add_many_unique(self, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
        """Inserts the messages whose dedup keys are free; the ids of those inserted."""
        if not rows:
            return set()
        table = Message.__table__
        # one statement compiled once, its rows sent in pages (SQLAlchemy's "insertmanyvalues",
        # within the driver's values a statement): compiling a statement with the values of
        # a thousand rows in it took longer than running it
        statement = (
            dialect_insert(self.session, table)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(table.c.id)
        )
        return set((await self.session.execute(statement, rows)).scalars())

    async def add_unique(self, values: dict[str, Any]) -> uuid.UUID | None:
        """Inserts the message unless its dedup key is taken; its id, or None if it was."""
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = (
            insert(Message)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedup_key"])
            .returning(Message.id)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    def log(self, message_id: uuid.UUID, at: datetime, status: str, detail: str | None) -> None:
        row = {"id": uuid7(), "message_id": message_id, "at": at, "status": status}
        if self._attempts is not None:
            self._attempts.append(row | {"detail": detail})
        else:
            self.session.add(Attempt(**row, detail=detail))

    @contextlib.asynccontextmanager
    async def logging_together(self) -> AsyncIterator[None]:
        """The attempts logged inside are written by one statement as it ends, not as ORM
        objects: a batch's thousand of them cost the ORM more than the rest of its work.
        Nothing is written if the block fails."""
        self._attempts = []
        try:
            yield
            if self._attempts:
                await self.session.execute(insert(Attempt), self._attempts)
        finally:
            self._attempts = None

    async def claim_due(self, now: datetime, lease_until: datetime, limit: int) -> list[uuid.UUID]:
        """Takes up to `limit` messages whose time has come and no live sender holds, in one
        statement, the most overdue first; rows another transaction is taking are skipped,
        not waited for."""
        due = (
            select(Message.id)
            .where(
                Message.status.in_(WAITING),
                Message.next_attempt_at <= now,
                or_(Message.lease_until.is_(None), Message.lease_until < now),
            )
            .order_by(Message.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        claim = (
            update(Message)
            .where(Message.id.in_(due.scalar_subquery()))
            .values(lease_until=lease_until)
            .returning(Message.id, Message.next_attempt_at)
            .execution_options(synchronize_session=False)
        )
        claimed = (await self.session.execute(claim)).all()
        return [i for i, _ in sorted(claimed, key=lambda row: (row[1], row[0]))]

    async def message(self, message_id: uuid.UUID) -> Message | None:
        return await self.session.get(Message, message_id)

    async def messages(self, ids: list[uuid.UUID]) -> list[Message]:
        """A batch of messages in one query, in the order of `ids`."""
        if not ids:
            return []
        found = await self.session.execute(select(Message).where(Message.id.in_(ids)))
        by_id = {m.id: m for m in found.scalars()}
        return [by_id[i] for i in ids if i in by_id]

    async def _get(self, into: dict[uuid.UUID, Any], model: Any, key: uuid.UUID) -> Any:
        if key not in into:
            into[key] = await self.session.get(model, key)
        return into[key]

    async def organisation(self, tenant_id: uuid.UUID) -> Organisation | None:
        found: Organisation | None = await self._get(
            self.held.organisations, Organisation, tenant_id
        )
        return found

    async def client(self, client_id: uuid.UUID) -> Client | None:
        found: Client | None = await self._get(self.held.clients, Client, client_id)
        return found

    async def invoice_status(self, invoice_id: str) -> str | None:
        row = await self._get(self.held.invoices, Invoice, uuid.UUID(invoice_id))
        return row.status if row else None

    async def balance(self, client_id: uuid.UUID) -> int | None:
        row = await self._get(self.held.balances, Balance, client_id)
        return row.balance_minor if row else None

    async def template(
        self, tenant_id: uuid.UUID, trigger: str, channel: str, locale: str
    ) -> Template | None:
        if (tenant_id, trigger) in self.held.template_scope:
            return self.held.templates.get((tenant_id, trigger, channel, locale))
        return await self.session.get(Template, (tenant_id, trigger, channel, locale))

    async def news_count(self, client_id: uuid.UUID, since: datetime) -> int:
        """News queued or sent to the client since `since` (the daily cap)."""
        known = self._knows(client_id)
        if known is not None and known.news_since is not None and known.news_since == since:
            return known.news.get(client_id, 0)
        query = select(func.count()).where(Message.client_id == client_id, *self._news_since(since))
        return int((await self.session.execute(query)).scalar_one())

    @staticmethod
    def _news_since(since: datetime) -> list[ColumnElement[bool]]:
        return [
            Message.category == "news",
            Message.created_at >= since,
            Message.status.in_(("queued", "deferred", "sent")),
        ]

    async def sms_count(self, tenant_id: uuid.UUID, since: datetime) -> int:
        """SMS queued or sent by the organisation since `since` (the monthly cap)."""
        query = select(func.count()).where(
            Message.tenant_id == tenant_id,
            Message.channel == "sms",
            Message.created_at >= since,
            Message.status.in_(("queued", "deferred", "sent")),
        )
        return int((await self.session.execute(query)).scalar_one())

    async def broadcast(self, broadcast_id: str) -> Broadcast | None:
        found: Broadcast | None = await self._get(
            self.held.broadcasts, Broadcast, uuid.UUID(broadcast_id)
        )
        return found

    async def templates(self, tenant_id: uuid.UUID) -> list[Template]:
        query = select(Template).where(Template.tenant_id == tenant_id)
        return list((await self.session.execute(query)).scalars())

    async def has_push_device(self, client_id: uuid.UUID) -> bool:
        known = self._knows(client_id)
        if known is not None:
            return client_id in known.devices
        query = select(PushDevice.id).where(PushDevice.client_id == client_id).limit(1)
        return (await self.session.execute(query)).first() is not None

    async def opted_out(self, client_id: uuid.UUID, category: str, channel: str) -> bool:
        known = self._knows(client_id)
        if known is not None:
            return (client_id, category, channel) in known.opt_outs
        found = await self.session.get(OptOut, (client_id, category, channel))
        return found is not None

    async def forget_address(self, msg: Message) -> None:
        """The channel said the address is dead for good: stop using it."""
        if msg.channel == "telegram" and msg.client_id is not None:
            await self.session.execute(
                update(Client)
                .where(Client.tenant_id == msg.tenant_id, Client.telegram_chat_id == msg.address)
                .values(telegram_blocked=True)
            )

    async def add_opt_out(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, category: str, channel: str, **kw: Any
    ) -> None:
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        await self.session.execute(
            insert(OptOut)
            .values(
                tenant_id=tenant_id, client_id=client_id, category=category, channel=channel, **kw
            )
            .on_conflict_do_nothing()
        )

    async def listed(
        self,
        scope: ColumnElement[bool],
        filters: Sequence[ColumnElement[bool]],
        cursor: str | None,
        limit: int,
    ) -> list[Message]:
        query = select(Message).where(and_(scope, *filters))
        return list(
            (await self.session.execute(keyset(query, Message.id, cursor, limit))).scalars()
        )

    async def visible(self, scope: ColumnElement[bool], message_id: uuid.UUID) -> Message | None:
        query = select(Message).where(scope, Message.id == message_id)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def attempts(self, message_id: uuid.UUID) -> list[Attempt]:
        query = select(Attempt).where(Attempt.message_id == message_id).order_by(Attempt.id)
        return list((await self.session.execute(query)).scalars())
