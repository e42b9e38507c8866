"""Profile changes go to clients as requests staff approve or reject; the client sees each
request's state (portal.profile_change_requested -> clients.profile_change_decided)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from crm_contracts.events.clients import ProfileChangeDecided
from crm_contracts.events.portal import ProfileChangeRequested, ProfileChanges
from crm_contracts.ids import uuid7
from portal_svc.access import Scope
from portal_svc.context import Context
from portal_svc.models import ProfileRequest
from portal_svc.profile import schemas
from portal_svc.repository import Shared
from portal_svc.schemas_common import AsOf


@dataclass
class ProfileService:
    ctx: Context

    async def profile(self, scope: Scope) -> schemas.Profile:
        repo = Shared(self.ctx.session)
        card = await repo.card(scope.tenant_id, scope.client_id)
        rows = await self.ctx.session.scalars(
            select(ProfileRequest)
            .where(
                ProfileRequest.tenant_id == scope.tenant_id,
                ProfileRequest.client_id == scope.client_id,
            )
            .order_by(ProfileRequest.created_at.desc(), ProfileRequest.request_id.desc())
            .limit(50)
        )
        return schemas.Profile(
            as_of=AsOf(**await repo.as_of(scope.tenant_id)),
            client_id=scope.client_id,
            first_name=card.first_name if card else None,
            last_name=card.last_name if card else None,
            phone=card.phone if card else None,
            email=card.email if card else None,
            email_confirmed=bool(card and card.email_confirmed),
            requests=[schemas.RequestRead.model_validate(r) for r in rows],
        )

    async def request(
        self, scope: Scope, account: str, body: schemas.ChangeIn
    ) -> schemas.RequestRead:
        changes = body.model_dump(mode="json", exclude_none=True)
        row = ProfileRequest(
            request_id=uuid7(),
            tenant_id=scope.tenant_id,
            client_id=scope.client_id,
            account=account[:64],
            changes=changes,
            status="sent",
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(row)
        await self.ctx.session.flush()
        await self.ctx.emit(
            scope.tenant_id,
            row.request_id,
            ProfileChangeRequested(
                request_id=row.request_id,
                client_id=scope.client_id,
                changes=ProfileChanges.model_validate(changes),
            ),
        )
        return schemas.RequestRead.model_validate(row)


ORDER = {"sent": 0, "received": 1, "approved": 2, "rejected": 2, "refused": 2}


async def decided(ctx: Context, tenant_id: uuid.UUID, answer: ProfileChangeDecided) -> None:
    """A later state never goes back (a late "received" after "approved" changes nothing)."""
    row = await ctx.session.get(ProfileRequest, answer.request_id, with_for_update=True)
    if row is None or row.tenant_id != tenant_id or ORDER[answer.status] <= ORDER[row.status]:
        return
    row.status, row.reason = answer.status, answer.reason
    if answer.status != "received":
        row.decided_at = ctx.now()
