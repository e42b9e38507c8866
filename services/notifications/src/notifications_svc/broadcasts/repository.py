"""Who a broadcast reaches: the organisation's clients the sender may see, not archived,
narrowed to a tag, a group, a branch or one client."""

from __future__ import annotations

import uuid

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.internal_auth import Principal
from notifications_svc.models import Broadcast, Client, ClientGroup, Message


class BroadcastsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def visible_clients(self, principal: Principal, tenant: uuid.UUID) -> list[Client]:
        query = select(Client).where(Client.tenant_id == tenant, Client.status != "archived")
        if not principal.all_branches:
            visible = []
            if principal.branch_ids and principal.role in ("admin", "accountant"):
                visible.append(Client.branch_id.in_(principal.branch_ids))
            if principal.role == "teacher" and principal.group_ids:
                enrolled = select(ClientGroup.client_id).where(
                    ClientGroup.tenant_id == tenant, ClientGroup.group_id.in_(principal.group_ids)
                )
                visible.append(Client.id.in_(enrolled))
            if not visible:
                return []
            query = query.where(or_(*visible))
        return list((await self.session.execute(query.order_by(Client.id))).scalars())

    async def in_group(self, tenant: uuid.UUID, group_id: uuid.UUID) -> set[uuid.UUID]:
        found = await self.session.execute(
            select(ClientGroup.client_id).where(
                ClientGroup.tenant_id == tenant, ClientGroup.group_id == group_id
            )
        )
        return set(found.scalars())

    async def group_branch(self, tenant: uuid.UUID, group_id: uuid.UUID) -> uuid.UUID | None:
        """The branch of a group this service has seen a client enrolled in, else None."""
        found = await self.session.execute(
            select(ClientGroup.branch_id)
            .where(ClientGroup.tenant_id == tenant, ClientGroup.group_id == group_id)
            .limit(1)
        )
        return found.scalar_one_or_none()

    async def get(
        self, tenant: uuid.UUID, broadcast_id: uuid.UUID, sent_by: str | None
    ) -> Broadcast | None:
        """The broadcast, if it is the organisation's (and `sent_by`'s, when given)."""
        found = await self.session.get(Broadcast, broadcast_id)
        if found is None or found.tenant_id != tenant:
            return None
        return found if sent_by is None or found.created_by == sent_by else None

    async def listed(self, tenant: uuid.UUID, sent_by: str | None, limit: int) -> list[Broadcast]:
        """The organisation's broadcasts, newest first (only `sent_by`'s, when given)."""
        query = select(Broadcast).where(Broadcast.tenant_id == tenant)
        if sent_by is not None:
            query = query.where(Broadcast.created_by == sent_by)
        query = query.order_by(Broadcast.id.desc()).limit(limit)
        return list((await self.session.execute(query)).scalars())

    async def progress(self, broadcast_id: uuid.UUID) -> dict[str, int]:
        found = await self.session.execute(
            select(Message.status, func.count())
            .where(Message.source == f"broadcast:{broadcast_id}")
            .group_by(Message.status)
        )
        return {status: int(n) for status, n in found.all()}

    async def waiting(self, broadcast_id: uuid.UUID) -> list[Message]:
        found = await self.session.execute(
            select(Message)
            .where(
                Message.source == f"broadcast:{broadcast_id}",
                Message.status.in_(("queued", "deferred")),
            )
            .with_for_update(skip_locked=True)
        )
        return list(found.scalars())
