"""Queries of portal sign-ups waiting for staff review."""

from __future__ import annotations

import uuid

from sqlalchemy import ColumnElement, and_, func, or_, select
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

    async def open_reviews(
        self, tenant_id: uuid.UUID, visible: ColumnElement[bool]
    ) -> list[tuple[PortalSignupReview, list[Client]]]:
        """The open reviews with an active card the caller sees (`visible`), oldest first (200
        at most), each with those cards: the caller's scope is in the query."""
        review = PortalSignupReview
        seen = and_(_holds_login(), visible, Client.status != "archived")
        wanted = (
            select(review.account_id)
            .where(
                review.tenant_id == tenant_id,
                review.status == "open",
                select(Client.id).where(seen).exists(),
            )
            .order_by(review.created_at, review.account_id)
            .limit(200)
            .correlate(None)
        )
        rows = await self.session.execute(
            select(review, Client)
            .join(Client, seen)
            .where(review.account_id.in_(wanted))
            .order_by(review.created_at, review.account_id, Client.id)
        )
        found: dict[uuid.UUID, tuple[PortalSignupReview, list[Client]]] = {}
        for row, card in rows.all():
            found.setdefault(row.account_id, (row, []))[1].append(card)
        return list(found.values())

    def add(self, review: PortalSignupReview) -> None:
        self.session.add(review)


def _holds_login() -> ColumnElement[bool]:
    """A card of the review's organisation holds its login (an email only when confirmed on
    the card), as CardsRepository.holding_login matches them."""
    review = PortalSignupReview
    by_email = and_(
        review.channel == "email",
        Client.email == func.lower(review.login),
        Client.email_confirmed.is_(True),
    )
    by_phone = and_(review.channel != "email", Client.phone == review.login)
    return and_(Client.tenant_id == review.tenant_id, or_(by_email, by_phone))
