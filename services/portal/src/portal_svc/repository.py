"""Queries every feature shares, each scoped by the organisation and one client."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal_svc.models import Client, Enrolment, Group, SourceSeen

SOURCES = ("clients", "billing", "journal", "notifications")


class Shared:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def card(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Client | None:
        card = await self.session.get(Client, client_id)
        return card if card is not None and card.tenant_id == tenant_id else None

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
