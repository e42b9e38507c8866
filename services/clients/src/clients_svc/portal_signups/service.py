"""Staff resolve a portal sign-up whose login is on several active cards: they see the cards
they may see and link the account to one (clients.portal_signup_decided "linked", which
identity applies to the waiting account). The card must be active and hold the login."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from clients_svc.access import MANAGERS, actor_of
from clients_svc.cards.access import ClientAccess
from clients_svc.cards.repository import CardsRepository
from clients_svc.context import Context
from clients_svc.history.service import History
from clients_svc.models import Client, PortalSignupReview
from clients_svc.portal_signups import schemas
from clients_svc.portal_signups.repository import ReviewsRepository
from crm_contracts.events.clients import PortalSignupDecided
from crm_platform.errors import ConflictError, NotFoundError, invalid_fields
from crm_platform.internal_auth import Principal, require_role


def _read(review: PortalSignupReview, candidates: list[Client]) -> schemas.ReviewRead:
    return schemas.ReviewRead(
        account_id=review.account_id,
        login=review.login,
        channel=review.channel,
        first_name=review.first_name,
        last_name=review.last_name,
        status=review.status,
        client_id=review.client_id,
        created_at=review.created_at,
        decided_at=review.decided_at,
        candidates=[schemas.Candidate.model_validate(c, from_attributes=True) for c in candidates],
    )


@dataclass
class PortalSignupReviews:
    ctx: Context

    @property
    def repo(self) -> ReviewsRepository:
        return ReviewsRepository(self.ctx.session)

    async def _candidates(
        self, review: PortalSignupReview, visible: dict[uuid.UUID, Client]
    ) -> list[Client]:
        holding = await CardsRepository(self.ctx.session).holding_login(
            review.tenant_id, review.channel, review.login
        )
        return [visible[c.id] for c in holding if c.id in visible and c.status != "archived"]

    async def open(self, principal: Principal) -> list[schemas.ReviewRead]:
        """Open reviews with at least one card the caller sees (and only those cards)."""
        tenant, scope, _ = await ClientAccess(self.ctx).scope(principal)
        return [
            _read(review, cards) for review, cards in await self.repo.open_reviews(tenant, scope)
        ]

    async def link(
        self, principal: Principal, account_id: uuid.UUID, body: schemas.LinkIn
    ) -> schemas.ReviewRead:
        require_role(principal, *MANAGERS)
        tenant, _, _ = await ClientAccess(self.ctx).scope(principal)
        review = await self.repo.review(tenant, account_id, for_update=True)
        card = await ClientAccess(self.ctx).visible_client(principal, body.client_id)
        if review is None:
            raise NotFoundError("portal sign-up")
        if review.status != "open":
            raise ConflictError(f"this sign-up is already {review.status}")
        candidates = await self._candidates(review, {card.id: card})
        if not candidates:
            raise invalid_fields(
                [("client_id", f"not an active card holding {review.login}")],
                detail="link the sign-up to an active card that holds its email or phone",
            )
        review.status, review.client_id = "linked", card.id
        review.decided_by, review.decided_at = actor_of(principal), self.ctx.now()
        await self.ctx.session.flush()
        History(self.ctx).record(
            card,
            "other",
            "portal.linked",
            f"Portal account linked ({review.login})",
            data={"login": review.login},
            actor=actor_of(principal),
        )
        await self.ctx.emit(
            tenant,
            account_id,
            PortalSignupDecided(account_id=account_id, outcome="linked", client_id=card.id),
        )
        return _read(review, candidates)
