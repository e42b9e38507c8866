"""Copies of other contexts' data kept from their events: the journal's groups (which branch
each is in, so a branch admin sees the staff of that branch) and the clients' cards (whether
each is active, so operators see how many active clients an organisation has). Each row keeps
its newest state; an older event delivered late changes nothing."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from identity_svc.models import ClientCard, Group


async def keep_group(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    group_id: uuid.UUID,
    branch_id: uuid.UUID,
    at: datetime,
) -> None:
    """The group's branch as the newest journal event says."""
    group = await session.get(Group, group_id)
    if group is None:
        session.add(Group(id=group_id, tenant_id=tenant_id, branch_id=branch_id, as_of=at))
    elif group.tenant_id == tenant_id and group.as_of <= at:
        group.branch_id, group.as_of = branch_id, at


async def keep_client_card(
    session: AsyncSession,
    tenant_id: uuid.UUID,
    client_id: uuid.UUID,
    archived: bool,
    at: datetime,
) -> None:
    card = await session.get(ClientCard, client_id)
    if card is None:
        session.add(
            ClientCard(client_id=client_id, tenant_id=tenant_id, archived=archived, as_of=at)
        )
    elif card.tenant_id == tenant_id and card.as_of <= at:
        card.archived = archived
        card.as_of = at
