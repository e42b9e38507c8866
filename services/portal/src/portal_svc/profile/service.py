"""Profile changes go to clients as requests staff approve or reject; the client sees each
request's state (portal.profile_change_requested -> clients.profile_change_decided).

A new email or phone is proven first: the request waits ("confirming") until identity says
the account proved each new address with a code sent there (identity.portal_contact_proven);
a proof that came before the request counts at once."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from crm_contracts.events.clients import ProfileChangeDecided
from crm_contracts.events.identity import PortalContactProven
from crm_contracts.events.portal import ProfileChangeRequested, ProfileChanges
from crm_contracts.ids import uuid7
from portal_svc.access import Scope
from portal_svc.context import Context
from portal_svc.models import ProfileRequest
from portal_svc.profile import schemas
from portal_svc.profile.repository import ProfileRepository
from portal_svc.repository import Shared
from portal_svc.schemas_common import AsOf

CONTACTS = ("email", "phone")


@dataclass
class ProfileService:
    ctx: Context

    async def profile(self, scope: Scope) -> schemas.Profile:
        repo = Shared(self.ctx.session)
        card = await repo.card(scope.tenant_id, scope.client_id)
        rows = await ProfileRepository(self.ctx.session).requests_of(
            scope.tenant_id, scope.client_id
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
        account = account[:64]
        contacts = [changes[field] for field in CONTACTS if field in changes]
        proven = await ProfileRepository(self.ctx.session).proven(
            scope.tenant_id, account, contacts
        )
        unconfirmed = [login for login in contacts if login not in proven]
        row = ProfileRequest(
            request_id=uuid7(),
            tenant_id=scope.tenant_id,
            client_id=scope.client_id,
            account=account,
            changes=changes,
            status="confirming" if unconfirmed else "sent",
            unconfirmed=unconfirmed,
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(row)
        await self.ctx.session.flush()
        if not unconfirmed:
            await _send(self.ctx, row)
        return schemas.RequestRead.model_validate(row)


async def _send(ctx: Context, row: ProfileRequest) -> None:
    await ctx.emit(
        row.tenant_id,
        row.request_id,
        ProfileChangeRequested(
            request_id=row.request_id,
            client_id=row.client_id,
            changes=ProfileChanges.model_validate(row.changes),
        ),
    )


async def contact_proven(ctx: Context, tenant_id: uuid.UUID, proof: PortalContactProven) -> None:
    """The account proved `login`: requests that waited only for it go to clients now."""
    account = str(proof.account_id)
    repo = ProfileRepository(ctx.session)
    await repo.prove(tenant_id, account, proof.login, ctx.now())
    for row in await repo.confirming(tenant_id, account):
        if proof.login not in row.unconfirmed:
            continue
        row.unconfirmed = [login for login in row.unconfirmed if login != proof.login]
        if not row.unconfirmed:
            row.status = "sent"
            await _send(ctx, row)
    await ctx.session.flush()


ORDER = {"confirming": -1, "sent": 0, "received": 1, "approved": 2, "rejected": 2, "refused": 2}


async def decided(ctx: Context, tenant_id: uuid.UUID, answer: ProfileChangeDecided) -> None:
    """A later state never goes back (a late "received" after "approved" changes nothing)."""
    row = await ProfileRepository(ctx.session).request_for_update(tenant_id, answer.request_id)
    if row is None or ORDER[answer.status] <= ORDER[row.status]:
        return
    row.status, row.reason = answer.status, answer.reason
    if answer.status != "received":
        row.decided_at = ctx.now()
