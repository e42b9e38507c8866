"""Queries on client cards: the scoped card, search, duplicates, tags and groups of a page.
Staff-facing reads take the caller's scope (clients_svc.access) or at least the tenant;
consumers act for the tenant of their event."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Select,
    Uuid,
    any_,
    bindparam,
    cast,
    delete,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.access import current_membership
from clients_svc.domain.text import like_escape
from clients_svc.models import Client, ClientTag, Membership, Tag
from crm_platform.pagination import keyset

Balance = Literal["negative", "zero", "positive"]


@dataclass
class SearchFilter:
    tenant_id: uuid.UUID
    name_terms: list[str] = field(default_factory=list)
    phone_digits: str | None = None
    statuses: Sequence[str] = ("active", "frozen")
    branch_id: uuid.UUID | None = None
    tag_ids: Sequence[uuid.UUID] = ()
    all_tags: bool = False
    group_id: uuid.UUID | None = None
    balance: Balance | None = None


class CardsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def client(self, scope: ColumnElement[bool], client_id: uuid.UUID) -> Client | None:
        rows = await self.session.execute(select(Client).where(scope, Client.id == client_id))
        return rows.scalar_one_or_none()

    async def client_for_update(
        self, scope: ColumnElement[bool], client_id: uuid.UUID
    ) -> Client | None:
        rows = await self.session.execute(
            select(Client).where(scope, Client.id == client_id).with_for_update()
        )
        return rows.scalar_one_or_none()

    async def client_in_tenant(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Client | None:
        """For consumers and internal lookups, which act for the tenant of an event."""
        row = await self.session.get(Client, client_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def client_any_tenant(self, client_id: uuid.UUID) -> Client | None:
        """Only for the gateway's system lookups, which need the owning tenant."""
        return await self.session.get(Client, client_id)

    def search_query(self, scope: ColumnElement[bool], f: SearchFilter, today: date) -> Select[Any]:
        query = select(Client).where(scope)
        if f.statuses:
            query = query.where(Client.status.in_(list(f.statuses)))
        for term in f.name_terms:
            query = query.where(Client.search_name.like(f"%{like_escape(term)}%", escape="\\"))
        if f.phone_digits:
            pattern = f"%{like_escape(f.phone_digits)}%"
            query = query.where(Client.phone_digits.like(pattern, escape="\\"))
        if f.branch_id is not None:
            query = query.where(
                or_(
                    Client.branch_id == f.branch_id,
                    Client.id.in_(
                        select(Membership.client_id).where(
                            Membership.tenant_id == f.tenant_id,
                            Membership.branch_id == f.branch_id,
                            current_membership(today),
                        )
                    ),
                )
            )
        if f.group_id is not None:
            query = query.where(
                Client.id.in_(
                    select(Membership.client_id).where(
                        Membership.tenant_id == f.tenant_id,
                        Membership.group_id == f.group_id,
                        current_membership(today),
                    )
                )
            )
        if f.tag_ids and self._postgres:
            wanted = uuid_array(f.tag_ids)
            if f.all_tags:
                query = query.where(Client.tag_ids.contains(wanted))
            else:
                query = query.where(Client.tag_ids.overlap(wanted))
        elif f.tag_ids:
            if f.all_tags:
                for tag_id in f.tag_ids:
                    query = query.where(
                        Client.id.in_(select(ClientTag.client_id).where(ClientTag.tag_id == tag_id))
                    )
            else:
                query = query.where(
                    Client.id.in_(
                        select(ClientTag.client_id).where(ClientTag.tag_id.in_(list(f.tag_ids)))
                    )
                )
        if f.balance == "negative":
            query = query.where(Client.balance_minor < 0)
        elif f.balance == "positive":
            query = query.where(Client.balance_minor > 0)
        elif f.balance == "zero":
            query = query.where(or_(Client.balance_minor == 0, Client.balance_minor.is_(None)))
        return query

    async def search(
        self,
        scope: ColumnElement[bool],
        f: SearchFilter,
        today: date,
        cursor: str | None,
        limit: int,
        *,
        through_groups: Sequence[uuid.UUID] = (),
    ) -> list[Client]:
        matching = self.search_query(scope, f, today)
        if through_groups and self._postgres:
            # Few clients reached through memberships (a teacher's groups, one group): look
            # them up first, so the search walks those cards, not the organisation in id order.
            members = await self.member_ids(f.tenant_id, through_groups, today)
            matching = matching.where(
                Client.id == any_(bindparam("members", members, type_=postgresql.ARRAY(Uuid)))
            )
        query = keyset(matching, Client.id, cursor, limit)
        await self.plan_for_values()
        return list((await self.session.execute(query)).scalars().all())

    async def plan_for_values(self) -> None:
        """Search statements are prepared once and run with very different values (a rare
        name, a common one, a tag): plan each run for its own values, not a generic plan."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))

    async def member_ids(
        self, tenant_id: uuid.UUID, group_ids: Sequence[uuid.UUID], today: date
    ) -> list[uuid.UUID]:
        rows = await self.session.execute(
            select(Membership.client_id)
            .where(
                Membership.tenant_id == tenant_id,
                Membership.group_id.in_(list(group_ids)),
                current_membership(today),
            )
            .distinct()
        )
        return list(rows.scalars().all())

    async def all_matching(
        self, scope: ColumnElement[bool], f: SearchFilter, today: date
    ) -> list[Client]:
        query = self.search_query(scope, f, today).order_by(Client.id)
        return list((await self.session.execute(query)).scalars().all())

    async def same_contact(
        self,
        tenant_id: uuid.UUID,
        phones: Sequence[str],
        emails: Sequence[str],
        exclude: uuid.UUID | None = None,
    ) -> list[Client]:
        """Cards of the organisation (any status) with one of these phones or emails."""
        wanted: list[ColumnElement[bool]] = []
        if phones:
            wanted.append(Client.phone.in_(list(phones)))
        if emails:
            wanted.append(Client.email.in_(list(emails)))
        if not wanted:
            return []
        query = select(Client).where(Client.tenant_id == tenant_id, or_(*wanted))
        if exclude is not None:
            query = query.where(Client.id != exclude)
        return list((await self.session.execute(query.order_by(Client.id))).scalars().all())

    async def ids_visible(
        self, scope: ColumnElement[bool], ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        if not ids:
            return set()
        rows = await self.session.execute(select(Client.id).where(scope, Client.id.in_(ids)))
        return set(rows.scalars().all())

    async def count_active(self, tenant_id: uuid.UUID) -> int:
        rows = await self.session.execute(
            select(func.count())
            .select_from(Client)
            .where(Client.tenant_id == tenant_id, Client.status != "archived")
        )
        return int(rows.scalar_one())

    async def by_email_token(self, token_hash: bytes) -> Client | None:
        rows = await self.session.execute(
            select(Client).where(Client.email_token_hash == token_hash).with_for_update()
        )
        return rows.scalar_one_or_none()

    async def active_by_phone(self, tenant_id: uuid.UUID, phone: str) -> list[Client]:
        rows = await self.session.execute(
            select(Client)
            .where(Client.tenant_id == tenant_id, Client.phone == phone)
            .order_by(Client.id)
        )
        return list(rows.scalars().all())

    # tags and groups of cards
    async def tags_of(self, client_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Tag]]:
        out: dict[uuid.UUID, list[Tag]] = {c: [] for c in client_ids}
        if not client_ids:
            return out
        rows = await self.session.execute(
            select(ClientTag.client_id, Tag)
            .join(Tag, Tag.id == ClientTag.tag_id)
            .where(ClientTag.client_id.in_(list(client_ids)))
            .order_by(Tag.name_key)
        )
        for client_id, tag in rows.all():
            out[client_id].append(tag)
        return out

    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    async def set_tags(self, client_id: uuid.UUID, tag_ids: Sequence[uuid.UUID]) -> None:
        unique = sorted(set(tag_ids))
        await self.session.execute(delete(ClientTag).where(ClientTag.client_id == client_id))
        if unique:
            await self.session.execute(
                insert(ClientTag), [{"client_id": client_id, "tag_id": t} for t in unique]
            )
        if self._postgres:
            await self.session.execute(
                update(Client).where(Client.id == client_id).values(tag_ids=unique)
            )

    async def drop_tag_everywhere(self, tag_id: uuid.UUID) -> None:
        """Before a tag is deleted (client_tags rows go with it by cascade)."""
        if self._postgres:
            wanted = uuid_array([tag_id])
            await self.session.execute(
                update(Client)
                .where(Client.tag_ids.contains(wanted))
                .values(tag_ids=func.array_remove(Client.tag_ids, tag_id))
            )

    async def groups_of(
        self, client_ids: Sequence[uuid.UUID], today: date
    ) -> dict[uuid.UUID, list[Membership]]:
        out: dict[uuid.UUID, list[Membership]] = {c: [] for c in client_ids}
        if not client_ids:
            return out
        rows = await self.session.execute(
            select(Membership)
            .where(Membership.client_id.in_(list(client_ids)), current_membership(today))
            .order_by(Membership.group_id)
        )
        for membership in rows.scalars().all():
            out[membership.client_id].append(membership)
        return out

    async def freezes_starting_by(self, day: date, limit: int) -> list[Client]:
        query = (
            select(Client)
            .where(
                Client.status == "active",
                Client.frozen_from.is_not(None),
                Client.frozen_from <= day,
            )
            .order_by(Client.frozen_from)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list((await self.session.execute(query)).scalars().all())

    async def frozen_until_before(self, day: date, limit: int) -> list[Client]:
        query = (
            select(Client)
            .where(Client.status == "frozen", Client.frozen_until < day)
            .order_by(Client.frozen_until)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list((await self.session.execute(query)).scalars().all())

    async def family_members(self, tenant_id: uuid.UUID, family_id: uuid.UUID) -> list[Client]:
        rows = await self.session.execute(
            select(Client)
            .where(Client.tenant_id == tenant_id, Client.family_id == family_id)
            .order_by(Client.id)
        )
        return list(rows.scalars().all())

    async def holding_login(self, tenant_id: uuid.UUID, channel: str, login: str) -> list[Client]:
        """Cards (any status) holding a portal login: an email only when confirmed on the card."""
        match: ColumnElement[bool]
        if channel == "email":
            match = (Client.email == login.lower()) & Client.email_confirmed.is_(True)
        else:
            match = Client.phone == login
        rows = await self.session.scalars(
            select(Client).where(Client.tenant_id == tenant_id, match).order_by(Client.id)
        )
        return list(rows)

    async def insert_many(self, clients: list[dict[str, Any]], tags: list[dict[str, Any]]) -> None:
        """New cards (and their tags) written at once, as an import writes them."""
        await self.session.execute(insert(Client), clients)
        if tags:
            await self.session.execute(insert(ClientTag), tags)


def uuid_array(ids: Sequence[uuid.UUID]) -> ColumnElement[Any]:
    return cast(postgresql.array(list(ids)), postgresql.ARRAY(Uuid))
