"""A portal sign-up, decided here because the cards are here, as they are now.

The person proved the email or phone to identity. An active (not archived) card holding it
(an email only when confirmed on the card) is the account's client; several such cards go to
the staff for review instead of guessing (kept as a review staff resolve by linking one card,
portal_signups/service.py); only archived cards: refused, and the staff are told;
no card: a lead for the staff to call. Each case is answered with
clients.portal_signup_decided, which identity applies to the pending account."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from clients_svc.cards.repository import CardsRepository
from clients_svc.context import Context
from clients_svc.history.service import History
from clients_svc.leads.repository import LeadsRepository
from clients_svc.leads.service import Leads
from clients_svc.models import Client, PortalSignupReview, Task
from clients_svc.portal_signups.repository import ReviewsRepository
from crm_contracts.events.clients import PortalSignupDecided
from crm_contracts.events.identity import PortalSignupRequested
from crm_contracts.ids import uuid7

# The task staff get about a portal sign-up the service could not link by itself.
SIGNUP_PROBLEMS = {
    "several_cards": "Portal sign-up by {login} matches several cards: link the right one",
    "archived": "Portal sign-up by {login} refused: the client is archived",
}


@dataclass
class PortalSignups:
    ctx: Context

    async def decide(self, tenant_id: uuid.UUID, request: PortalSignupRequested) -> None:
        login = request.login
        cards = await CardsRepository(self.ctx.session).holding_login(
            tenant_id, request.channel, login
        )
        active = [c for c in cards if c.status != "archived"]
        decision = PortalSignupDecided(account_id=request.account_id, outcome="lead")
        if len(active) == 1:
            decision = PortalSignupDecided(
                account_id=request.account_id, outcome="linked", client_id=active[0].id
            )
            History(self.ctx).record(
                active[0],
                "other",
                "portal.linked",
                f"Portal account linked ({login})",
                data={"login": login},
            )
        elif active:
            decision = PortalSignupDecided(account_id=request.account_id, outcome="review")
            await self._keep_for_review(tenant_id, request)
            for card in active:
                await self._tell_staff(card, login, "several_cards")
        elif cards:
            decision = PortalSignupDecided(account_id=request.account_id, outcome="refused")
            for card in cards:
                await self._tell_staff(card, login, "archived")
        else:
            leads = Leads(self.ctx)
            phone = login if request.channel == "phone" else None
            email = login if request.channel == "email" else None
            lead = await LeadsRepository(self.ctx.session).open_lead_with_contact(
                tenant_id, phone, email
            )
            if lead is None:
                lead = await leads.add(
                    tenant_id,
                    first_name=request.first_name,
                    last_name=request.last_name,
                    phone=phone,
                    email=email,
                    source="portal sign-up",
                )
            decision = PortalSignupDecided(
                account_id=request.account_id, outcome="lead", lead_id=lead.id
            )
        if decision.outcome != "review":
            await self._close_review(tenant_id, request.account_id)
        await self.ctx.emit(tenant_id, request.account_id, decision)

    async def _keep_for_review(self, tenant_id: uuid.UUID, request: PortalSignupRequested) -> None:
        """Open (again, for a sign-up repeated later) with what the person gave this time."""
        repo = ReviewsRepository(self.ctx.session)
        review = await repo.review(tenant_id, request.account_id, for_update=True)
        if review is None:
            review = PortalSignupReview(account_id=request.account_id, tenant_id=tenant_id)
            repo.add(review)
        review.login, review.channel = request.login, request.channel
        review.first_name, review.last_name = request.first_name[:100], request.last_name[:100]
        review.status, review.client_id, review.created_at = "open", None, self.ctx.now()
        review.decided_by, review.decided_at = None, None
        await self.ctx.session.flush()

    async def _close_review(self, tenant_id: uuid.UUID, account_id: uuid.UUID) -> None:
        review = await ReviewsRepository(self.ctx.session).review(
            tenant_id, account_id, for_update=True
        )
        if review is not None and review.status == "open":
            review.status, review.decided_at = "closed", self.ctx.now()
            await self.ctx.session.flush()

    async def _tell_staff(self, card: Client, login: str, problem: str) -> None:
        title = SIGNUP_PROBLEMS[problem].format(login=login)
        due = await self.ctx.today(card.tenant_id)
        task_id = uuid7()
        self.ctx.session.add(
            Task(
                id=task_id,
                tenant_id=card.tenant_id,
                client_id=card.id,
                kind="task",
                title=title[:200],
                due_date=due,
                status="open",
                created_by="portal",
                version=1,
                created_at=self.ctx.now(),
            )
        )
        await self.ctx.session.flush()
        History(self.ctx).record(
            card,
            "events",
            "task.created",
            title,
            data={
                "task_id": str(task_id),
                "task_kind": "task",
                "due_date": due.isoformat(),
                "login": login,
                "signup": problem,
            },
        )
