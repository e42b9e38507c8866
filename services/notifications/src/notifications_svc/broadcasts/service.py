"""Broadcasts by staff: to everybody, a tag, a group, a branch or one client, within what the
sender may see (a teacher: the clients of their groups). The count is shown before sending
and frozen at send; each recipient's message is queued with the same rules as any other
(opted-out and archived clients skipped, the first reachable channel, a daily cap),
throttled by staggering their send times; cancelling skips whatever has not gone yet.

A group or branch named as the audience must be one the sender sees (libs' scope rule), else
it is answered as one that does not exist. A broadcast is read and cancelled by whoever sent
it and by staff holding every branch: another sender's may name a client, group or branch the
caller cannot see, and its counts are of clients the caller cannot see."""

from __future__ import annotations

import uuid
from datetime import timedelta

from crm_contracts.ids import uuid7
from crm_platform.errors import ConflictError, NotFoundError
from crm_platform.internal_auth import Principal, require_role
from crm_platform.scope import Place, Scope
from notifications_svc.access import tenant_of
from notifications_svc.broadcasts import schemas
from notifications_svc.broadcasts.repository import BroadcastsRepository
from notifications_svc.context import Context
from notifications_svc.domain.triggers import TRIGGERS
from notifications_svc.messages.dispatch import Dispatch, Reason, Recipient
from notifications_svc.messages.repository import MessagesRepository
from notifications_svc.models import Broadcast, Client
from notifications_svc.templates.service import check

SENDERS = ("owner", "admin", "teacher")


class Broadcasts:
    def __init__(self, ctx: Context, per_second: float) -> None:
        self.ctx = ctx
        self.repo = BroadcastsRepository(ctx.session)
        self.per_second = per_second

    async def audience(self, principal: Principal, audience: schemas.Audience) -> list[Client]:
        require_role(principal, *SENDERS)
        tenant = tenant_of(principal)
        clients = await self.repo.visible_clients(principal, tenant)
        if audience.kind == "all":
            return clients
        assert audience.id is not None
        if audience.kind == "client":
            chosen = [c for c in clients if c.id == audience.id]
        elif audience.kind == "branch":
            seen = Scope.of(principal).sees_branch(audience.id)
            chosen = [c for c in clients if seen and c.branch_id == audience.id]
        elif audience.kind == "tag":
            chosen = [c for c in clients if str(audience.id) in (c.tag_ids or [])]
        else:
            branch = await self.repo.group_branch(tenant, audience.id)
            place = Place.of(tenant, [branch], [audience.id])
            if branch is None or not Scope.of(principal).sees(place):
                chosen = []
            else:
                members = await self.repo.in_group(tenant, audience.id)
                chosen = [c for c in clients if c.id in members]
        if not chosen:
            # nothing of it the sender may see: as if it did not exist
            raise NotFoundError(audience.kind)
        return chosen

    async def count(self, principal: Principal, audience: schemas.Audience) -> int:
        return len(await self.audience(principal, audience))

    async def send(
        self, principal: Principal, body: schemas.BroadcastCreate
    ) -> schemas.BroadcastRead:
        check(TRIGGERS["broadcast"], body.subject, body.body)
        clients = await self.audience(principal, body.audience)
        tenant = tenant_of(principal)
        now = self.ctx.now()
        broadcast = Broadcast(
            id=uuid7(),
            tenant_id=tenant,
            created_by=principal.subject[:64],
            audience=body.audience.kind,
            audience_id=body.audience.id,
            subject=body.subject,
            body=body.body,
            status="sending",
            recipients=len(clients),
            created_at=now,
        )
        self.ctx.session.add(broadcast)
        await self.ctx.session.flush()
        await Dispatch(self.ctx).enqueue_many(
            [
                Reason(
                    tenant_id=tenant,
                    trigger="broadcast",
                    occurrence=str(broadcast.id),
                    recipient=Recipient(client_id=client.id),
                    source=f"broadcast:{broadcast.id}",
                    not_before=now + timedelta(seconds=n / self.per_second),
                )
                for n, client in enumerate(clients)
            ]
        )
        return await self.read(broadcast)

    async def read(self, broadcast: Broadcast) -> schemas.BroadcastRead:
        await self.ctx.session.flush()
        read = schemas.BroadcastRead.model_validate(broadcast)
        read.progress = await self.repo.progress(broadcast.id)
        return read

    async def one(self, principal: Principal, broadcast_id: uuid.UUID) -> schemas.BroadcastRead:
        require_role(principal, *SENDERS)
        found = await self.repo.get(tenant_of(principal), broadcast_id, _sent_by(principal))
        if found is None:
            raise NotFoundError("broadcast")
        return await self.read(found)

    async def listed(self, principal: Principal, limit: int) -> list[schemas.BroadcastRead]:
        require_role(principal, "owner", "admin")
        found = await self.repo.listed(tenant_of(principal), _sent_by(principal), limit)
        return [await self.read(b) for b in found]

    async def cancel(self, principal: Principal, broadcast_id: uuid.UUID) -> schemas.BroadcastRead:
        require_role(principal, *SENDERS)
        found = await self.repo.get(tenant_of(principal), broadcast_id, _sent_by(principal))
        if found is None:
            raise NotFoundError("broadcast")
        if found.status == "cancelled":
            raise ConflictError("the broadcast is already cancelled")
        now = self.ctx.now()
        found.status, found.cancelled_at = "cancelled", now
        log = MessagesRepository(self.ctx.session)
        for msg in await self.repo.waiting(found.id):
            msg.status, msg.reason, msg.next_attempt_at, msg.updated_at = (
                "skipped",
                "broadcast cancelled",
                None,
                now,
            )
            log.log(msg.id, now, "skipped", "broadcast cancelled")
        return await self.read(found)


def _sent_by(principal: Principal) -> str | None:
    """Whose broadcasts the caller sees: everyone's for staff holding every branch, else only
    their own."""
    return None if Scope.of(principal).all_branches else principal.subject[:64]
