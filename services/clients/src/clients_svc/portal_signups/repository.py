"""Queries of portal sign-ups waiting for staff review."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.models import Client, PortalSignupReview


class ReviewsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def review(
        self, tenant_id: uuid.UUID, account_id: uuid.UUID, *, for_update: bool = False
    ) -> PortalSignupReview | None:
        row = await self.session.get(PortalSignupReview, account_id, with_for_update=for_update)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def open_reviews(self, tenant_id: uuid.UUID) -> list[PortalSignupReview]:
        rows = await self.session.scalars(
            select(PortalSignupReview)
            .where(PortalSignupReview.tenant_id == tenant_id, PortalSignupReview.status == "open")
            .order_by(PortalSignupReview.created_at, PortalSignupReview.account_id)
            .limit(200)
        )
        return list(rows)

    async def visible_cards(self, visible: ColumnElement[bool]) -> dict[uuid.UUID, Client]:
        rows = await self.session.scalars(select(Client).where(visible))
        return {c.id: c for c in rows}

    def add(self, review: PortalSignupReview) -> None:
        self.session.add(review)
