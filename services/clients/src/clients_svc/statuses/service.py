"""Statuses: freeze (ends by itself), unfreeze, archive (nothing is deleted), restore.

Each change is an event other contexts act on: billing pauses packs and reminders while a
client is frozen, the journal greys out an archived client.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from clients_svc.access import WRITERS, actor_of
from clients_svc.cards.access import ClientAccess
from clients_svc.cards.capacity import ensure_capacity
from clients_svc.cards.repository import CardsRepository
from clients_svc.cards.views import CardViews
from clients_svc.context import Context
from clients_svc.domain.cards import freeze_problem
from clients_svc.history.service import History
from clients_svc.models import Client
from clients_svc.statuses import schemas
from crm_contracts.events.clients import (
    ClientArchived,
    ClientFrozen,
    ClientRestored,
    ClientUnfrozen,
    ClientUpdated,
)
from crm_platform.errors import ProblemError, invalid
from crm_platform.internal_auth import Principal, require_role


def conflict(detail: str) -> ProblemError:
    return ProblemError(409, "Conflict", detail)


@dataclass
class Statuses:
    ctx: Context

    @property
    def views(self) -> CardViews:
        return CardViews(self.ctx)

    async def freeze(
        self, principal: Principal, client_id: uuid.UUID, body: schemas.FreezeIn
    ) -> Client:
        require_role(principal, *WRITERS)
        client = await ClientAccess(self.ctx).visible_client(principal, client_id, for_update=True)
        if client.status == "archived":
            raise conflict("an archived client cannot be frozen; restore the client first")
        if client.status == "frozen" or client.frozen_from is not None:
            raise conflict(
                "the client is already frozen (or a freeze is scheduled); "
                "unfreeze first to change the period"
            )
        today = await self.ctx.today(client.tenant_id)
        start = body.from_date or today
        if start < today - timedelta(days=31):
            raise invalid("from_date", "a freeze can start at most a month in the past")
        if problem := freeze_problem(start, body.until_date):
            raise invalid(*problem)
        if body.until_date < today:
            raise invalid("until_date", "the freeze period has already ended")
        # A freeze that starts later is scheduled: the upkeep job turns the status on its day.
        client.status = "frozen" if start <= today else "active"
        client.frozen_from = start
        client.frozen_until = body.until_date
        client.freeze_reason = body.reason
        await self._changed(client)
        History(self.ctx).record(
            client,
            "other",
            "client.frozen",
            f"{'Frozen' if start <= today else 'Freeze scheduled'} from {start} "
            f"until {body.until_date}: {body.reason}",
            data={
                "from": start.isoformat(),
                "until": body.until_date.isoformat(),
                "reason": body.reason,
                "scheduled": start > today,
            },
            actor=actor_of(principal),
        )
        await self.ctx.emit(
            client.tenant_id,
            client.id,
            ClientFrozen(
                client_id=client.id,
                from_date=start,
                until_date=body.until_date,
                reason=body.reason,
            ),
        )
        return client

    async def unfreeze(self, principal: Principal, client_id: uuid.UUID) -> Client:
        require_role(principal, *WRITERS)
        client = await ClientAccess(self.ctx).visible_client(principal, client_id, for_update=True)
        if client.status != "frozen" and client.frozen_from is None:
            raise conflict(f"the client is {client.status}, not frozen")
        await self._end_freeze(client, "manual", actor_of(principal))
        return client

    async def start_scheduled_freezes(self, now: datetime | None = None, batch: int = 500) -> int:
        """Freezes clients whose scheduled freeze starts today (in their organisation's zone)."""
        now = now or self.ctx.now()
        candidates = await CardsRepository(self.ctx.session).freezes_starting_by(
            (now + timedelta(days=1)).date(), batch
        )
        started = 0
        for client in candidates:
            today = await self.ctx.today_at(client.tenant_id, now)
            if client.frozen_from is not None and client.frozen_from <= today:
                client.status = "frozen"
                await self._changed(client)
                History(self.ctx).record(client, "other", "client.freeze_started", "Freeze started")
                started += 1
        return started

    async def end_expired_freezes(self, now: datetime | None = None, batch: int = 500) -> int:
        """Unfreezes clients whose freeze ended before today (in their organisation's zone)."""
        now = now or self.ctx.now()
        # Every zone's today is at most tomorrow in UTC: fetch candidates, then decide each.
        candidates = await CardsRepository(self.ctx.session).frozen_until_before(
            (now + timedelta(days=1)).date(), batch
        )
        ended = 0
        for client in candidates:
            today = await self.ctx.today_at(client.tenant_id, now)
            if client.frozen_until is not None and client.frozen_until < today:
                await self._end_freeze(client, "period_ended", None)
                ended += 1
        return ended

    async def archive(self, principal: Principal, client_id: uuid.UUID) -> Client:
        require_role(principal, *WRITERS)
        client = await ClientAccess(self.ctx).visible_client(principal, client_id, for_update=True)
        if client.status == "archived":
            raise conflict("the client is already archived")
        client.status = "archived"
        client.archived_at = self.ctx.now()
        client.frozen_from = client.frozen_until = client.freeze_reason = None
        await self._changed(client)
        History(self.ctx).record(
            client, "other", "client.archived", "Client archived", actor=actor_of(principal)
        )
        await self.ctx.emit(client.tenant_id, client.id, ClientArchived(client_id=client.id))
        return client

    async def restore(self, principal: Principal, client_id: uuid.UUID) -> Client:
        require_role(principal, *WRITERS)
        client = await ClientAccess(self.ctx).visible_client(principal, client_id, for_update=True)
        if client.status != "archived":
            raise conflict(f"the client is {client.status}, not archived")
        await ensure_capacity(self.ctx, client.tenant_id, 1)
        client.status = "active"
        client.archived_at = None
        await self._changed(client)
        History(self.ctx).record(
            client, "other", "client.restored", "Client restored", actor=actor_of(principal)
        )
        await self.ctx.emit(client.tenant_id, client.id, ClientRestored(client_id=client.id))
        return client

    async def _end_freeze(self, client: Client, reason: str, actor: str | None) -> None:
        client.status = "active"
        client.frozen_from = client.frozen_until = client.freeze_reason = None
        await self._changed(client)
        summary = "Unfrozen" if reason == "manual" else "Freeze period ended"
        History(self.ctx).record(
            client, "other", "client.unfrozen", summary, data={"reason": reason}, actor=actor
        )
        await self.ctx.emit(
            client.tenant_id,
            client.id,
            ClientUnfrozen(client_id=client.id, reason=reason),
        )

    async def _changed(self, client: Client) -> None:
        client.version += 1
        client.updated_at = self.ctx.now()
        await self.ctx.session.flush()
        await self.ctx.emit(
            client.tenant_id, client.id, ClientUpdated(**await self.views.state(client))
        )
