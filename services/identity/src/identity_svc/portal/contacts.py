"""A signed-in portal account proves a new email or phone before asking the school to put it
on the card: a code goes to that address (purpose "contact"), and the right code answers with
identity.portal_contact_proven, which the portal waits for before it sends the change."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from crm_contracts.events.identity import PortalContactProven
from crm_platform.errors import NotFoundError, ProblemError
from crm_platform.internal_auth import Principal
from crm_platform.logins import channel_of, normalise_login
from identity_svc.context import Context
from identity_svc.models import PortalAccount
from identity_svc.portal import schemas
from identity_svc.portal.repository import PortalRepository
from identity_svc.portal.service import INVALID_CODE, PortalAccess


@dataclass
class ContactProofs:
    ctx: Context

    async def _account(self, principal: Principal) -> PortalAccount:
        try:
            account_id = uuid.UUID(principal.subject)
        except ValueError:
            raise NotFoundError("account") from None
        account = await PortalRepository(self.ctx.session).portal_account_by_id(account_id)
        if (
            principal.realm != "portal"
            or account is None
            or account.tenant_id != principal.tenant_id
            or account.status != "active"
        ):
            raise NotFoundError("account")
        return account

    async def send_code(self, principal: Principal, body: schemas.ContactIn, address: str) -> None:
        account = await self._account(principal)
        login = normalise_login(body.login)
        await PortalAccess(self.ctx).issue_code(account.tenant_id, login, "contact", address)

    async def prove(self, principal: Principal, body: schemas.ContactProof) -> None:
        account = await self._account(principal)
        login = normalise_login(body.login)
        if not await PortalAccess(self.ctx).use_code(
            account.tenant_id, login, "contact", body.code
        ):
            raise ProblemError(400, "Bad Request", INVALID_CODE, keep_changes=True)
        await self.ctx.emit(
            account.tenant_id,
            account.id,
            PortalContactProven(account_id=account.id, login=login, channel=channel_of(login)),
        )
