"""The queries of a re-announce: organisations, their branches and staff, and the
announcements the migrations left pending."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from identity_svc.models import Announcement, Branch, Organisation, StaffUser


class AnnounceRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def organisation_ids(self, tenant_id: uuid.UUID | None) -> list[uuid.UUID]:
        """Every organisation's id, or `tenant_id`'s if it exists."""
        query = select(Organisation.id).order_by(Organisation.id)
        if tenant_id is not None:
            query = query.where(Organisation.id == tenant_id)
        return list(await self.session.scalars(query))

    async def branches(self, tenant_id: uuid.UUID) -> Sequence[Branch]:
        query = select(Branch).where(Branch.tenant_id == tenant_id).order_by(Branch.id)
        return (await self.session.scalars(query)).all()

    async def staff(self, tenant_id: uuid.UUID) -> Sequence[StaffUser]:
        query = select(StaffUser).where(StaffUser.tenant_id == tenant_id).order_by(StaffUser.id)
        return (await self.session.scalars(query)).all()

    async def pending(self) -> Sequence[Announcement]:
        """Those not done yet that no other transaction holds (a second identity starting)."""
        query = (
            select(Announcement)
            .where(Announcement.done_at.is_(None))
            .order_by(Announcement.id)
            .with_for_update(skip_locked=True)
        )
        return (await self.session.scalars(query)).all()

    async def mark_done(self, ids: Sequence[int], at: datetime) -> None:
        await self.session.execute(
            update(Announcement).where(Announcement.id.in_(ids)).values(done_at=at)
        )
