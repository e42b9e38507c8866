"""Profile change requests from the client portal (portal.profile_change_requested): kept for
staff, who approve (the card changes through the usual update, so a new email gets the usual
confirmation letter) or reject with a reason. Each step answers the portal with
clients.profile_change_decided."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal

from clients_svc.access import MANAGERS, actor_of
from clients_svc.cards.access import ClientAccess
from clients_svc.cards.repository import CardsRepository
from clients_svc.cards.schemas import ClientUpdate
from clients_svc.cards.service import Cards
from clients_svc.context import Context
from clients_svc.domain.history import HistoryKind
from clients_svc.history.service import History
from clients_svc.models import ProfileRequest
from clients_svc.profile_requests.repository import ProfileRequestsRepository
from crm_contracts.events.clients import ProfileChangeDecided
from crm_contracts.events.portal import ProfileChangeRequested
from crm_platform.errors import ConflictError, NotFoundError, ProblemError
from crm_platform.internal_auth import Principal, require_role

Status = Literal["received", "approved", "rejected", "refused"]


DECIDED_KINDS: dict[str, HistoryKind] = {
    "approved": "profile.approved",
    "rejected": "profile.rejected",
}


@dataclass
class ProfileRequests:
    ctx: Context

    @property
    def repo(self) -> ProfileRequestsRepository:
        return ProfileRequestsRepository(self.ctx.session)

    async def _answer(
        self,
        tenant_id: uuid.UUID,
        request: uuid.UUID,
        client: uuid.UUID,
        status: Status,
        reason: str | None = None,
    ) -> None:
        await self.ctx.emit(
            tenant_id,
            request,
            ProfileChangeDecided(
                request_id=request, client_id=client, status=status, reason=reason
            ),
        )

    async def receive(self, tenant_id: uuid.UUID, command: ProfileChangeRequested) -> None:
        if await self.repo.request(command.request_id) is not None:
            return
        client = await CardsRepository(self.ctx.session).client_in_tenant(
            tenant_id, command.client_id
        )
        if client is None or client.status == "archived":
            await self._answer(
                tenant_id, command.request_id, command.client_id, "refused", "no such client"
            )
            return
        changes = command.changes.model_dump(mode="json", exclude_none=True)
        self.ctx.session.add(
            ProfileRequest(
                id=command.request_id,
                tenant_id=tenant_id,
                client_id=client.id,
                changes=changes,
                status="pending",
                created_at=self.ctx.now(),
            )
        )
        await self.ctx.session.flush()
        History(self.ctx).record(
            client,
            "other",
            "profile.requested",
            f"Profile change asked from the portal: {', '.join(sorted(changes))}",
            data={"fields": sorted(changes)},
        )
        await self._answer(tenant_id, command.request_id, client.id, "received")

    async def pending(self, principal: Principal) -> list[ProfileRequest]:
        tenant, scope, _ = await ClientAccess(self.ctx).scope(principal)
        return await self.repo.pending(tenant, scope)

    async def _pending(self, principal: Principal, request_id: uuid.UUID) -> ProfileRequest:
        require_role(principal, *MANAGERS)
        tenant, _, _ = await ClientAccess(self.ctx).scope(principal)
        request = await self.repo.request(request_id, for_update=True)
        if request is None or request.tenant_id != tenant:
            raise NotFoundError("profile request")
        await ClientAccess(self.ctx).visible_client(principal, request.client_id)
        if request.status != "pending":
            raise ConflictError(f"the request is already {request.status}")
        return request

    async def approve(self, principal: Principal, request_id: uuid.UUID) -> ProfileRequest:
        request = await self._pending(principal, request_id)
        try:
            body = ClientUpdate.model_validate(request.changes)
        except ValueError as exc:
            raise ProblemError(
                409, "Conflict", f"the requested change is not valid: {exc}"
            ) from None
        # Staff approve the request as it is, whatever the card's version now.
        client = await ClientAccess(self.ctx).visible_client(principal, request.client_id)
        cards = Cards(self.ctx)
        await cards.update(principal, request.client_id, body, client.version)
        return await self._decide(principal, request, "approved", None)

    async def reject(
        self, principal: Principal, request_id: uuid.UUID, reason: str
    ) -> ProfileRequest:
        request = await self._pending(principal, request_id)
        return await self._decide(principal, request, "rejected", reason)

    async def _decide(
        self,
        principal: Principal,
        request: ProfileRequest,
        status: Literal["approved", "rejected"],
        reason: str | None,
    ) -> ProfileRequest:
        request.status, request.reason = status, reason
        request.decided_by, request.decided_at = actor_of(principal), self.ctx.now()
        await self.ctx.session.flush()
        client = await ClientAccess(self.ctx).visible_client(principal, request.client_id)
        History(self.ctx).record(
            client,
            "other",
            DECIDED_KINDS[status],
            f"Profile change {status}",
            actor=actor_of(principal),
        )
        await self._answer(request.tenant_id, request.id, request.client_id, status, reason)
        return request
