"""Queries every feature shares, each scoped by the organisation and one client."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.db import pg_connection
from portal_svc.models import Client, Enrolment, Group, SourceSeen

SOURCES = ("clients", "billing", "journal", "notifications")
# $1 organisation, $2 the clients: each card with its family in the organisation.
LINKED_SQL = """
SELECT l.client_id, l.tenant_id, l.status, l.family_id,
  ARRAY(SELECT ROW(m.client_id, m.status) FROM rm_clients m
        WHERE m.tenant_id = $1 AND m.family_id = l.family_id
        ORDER BY m.first_name, m.client_id) AS members
FROM rm_clients l WHERE l.client_id = ANY($2::uuid[])
"""


class Linked(NamedTuple):
    """A client's card as access.py reads it, with its family (by first name, then id)."""

    tenant_id: uuid.UUID
    status: str | None
    family_id: uuid.UUID | None
    members: list[tuple[uuid.UUID, str | None]]


class Shared:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def card(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Client | None:
        card = await self.session.get(Client, client_id)
        return card if card is not None and card.tenant_id == tenant_id else None

    async def linked(
        self, tenant_id: uuid.UUID, client_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, Linked]:
        """The clients' cards and families, in one round trip on PostgreSQL, read outside a
        transaction (a unit of work that only reads sends no BEGIN and COMMIT)."""
        raw = await pg_connection(self.session, begin=False)
        if raw is not None:
            rows = await raw.fetch(LINKED_SQL, tenant_id, client_ids)
            return {r[0]: Linked(r[1], r[2], r[3], [tuple(m) for m in r[4]]) for r in rows}
        return await self._linked_one_by_one(tenant_id, client_ids)

    async def _linked_one_by_one(
        self, tenant_id: uuid.UUID, client_ids: list[uuid.UUID]
    ) -> dict[uuid.UUID, Linked]:
        found = {}
        for client_id in client_ids:
            card = await self.session.get(Client, client_id)
            if card is None:
                continue
            members: list[tuple[uuid.UUID, str | None]] = []
            if card.family_id is not None:
                family = await self.session.execute(
                    select(Client.client_id, Client.status)
                    .where(Client.tenant_id == tenant_id, Client.family_id == card.family_id)
                    .order_by(Client.first_name, Client.client_id)
                )
                members = [(cid, status) for cid, status in family]
            found[client_id] = Linked(card.tenant_id, card.status, card.family_id, members)
        return found

    async def as_of(self, tenant_id: uuid.UUID) -> dict[str, datetime | None]:
        rows = await self.session.execute(
            select(SourceSeen.source, SourceSeen.last_event_at).where(
                SourceSeen.tenant_id == tenant_id, SourceSeen.source.in_(SOURCES)
            )
        )
        seen = dict(rows.all())
        return {source: seen.get(source) for source in SOURCES}

    async def family_of(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> list[uuid.UUID]:
        """The client's family as clients says now, the client included."""
        card = await self.card(tenant_id, client_id)
        if card is None or card.family_id is None:
            return [client_id]
        rows = await self.session.scalars(
            select(Client.client_id).where(
                Client.tenant_id == tenant_id, Client.family_id == card.family_id
            )
        )
        return list(rows)

    async def current_groups(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, today: date
    ) -> list[tuple[Enrolment, Group | None]]:
        """The client's enrolments that have not ended before today, with their groups."""
        rows = await self.session.execute(
            select(Enrolment, Group)
            .outerjoin(Group, Group.group_id == Enrolment.group_id)
            .where(
                Enrolment.tenant_id == tenant_id,
                Enrolment.client_id == client_id,
                or_(Enrolment.until_date.is_(None), Enrolment.until_date >= today),
            )
        )
        return [(e, g) for e, g in rows]

    async def group_names(
        self, tenant_id: uuid.UUID, group_ids: set[uuid.UUID]
    ) -> dict[uuid.UUID, str]:
        if not group_ids:
            return {}
        rows = await self.session.execute(
            select(Group.group_id, Group.name).where(
                and_(Group.tenant_id == tenant_id, Group.group_id.in_(group_ids))
            )
        )
        return dict(rows.all())
