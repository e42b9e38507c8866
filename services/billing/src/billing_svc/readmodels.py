"""Billing's copies of other contexts' data, kept from their events (consumers.py), and every
query on them: the organisation's currency and time zone (identity), clients with their
branch, family and status (clients), groups and lessons (journal).

A family arrives twice: on each member's card and as the whole family; the newest event
decides, so a late redelivery never puts back a relative who left."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.models import Branch, Client, Group, Lesson, Organisation
from crm_platform.errors import NotFoundError


def _set_family(client: Client, family_id: uuid.UUID | None, at: datetime) -> None:
    """The client's family from an event, unless a newer event already set it."""
    known = client.family_at
    if known is None or known <= at:
        client.family_id, client.family_at = family_id, at


class ReadModels:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def organisation(self, org_id: uuid.UUID, currency: str, time_zone: str) -> None:
        session = self.session
        org = await self.find_organisation(org_id)
        if org is None:
            session.add(
                Organisation(
                    id=org_id,
                    currency=currency,
                    time_zone=time_zone,
                    absence_uses_class=False,
                    due_soon_days=3,
                    version=1,
                )
            )
        else:
            org.currency, org.time_zone = currency, time_zone
        await session.flush()

    async def add_branch(self, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> None:
        if await self.session.get(Branch, branch_id) is None:
            self.session.add(Branch(id=branch_id, tenant_id=tenant_id))
            await self.session.flush()

    async def find_branch(self, branch_id: uuid.UUID) -> Branch | None:
        return await self.session.get(Branch, branch_id)

    async def find_organisation(self, tenant_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, tenant_id)

    async def find_client(self, client_id: uuid.UUID) -> Client | None:
        return await self.session.get(Client, client_id)

    async def find_group(self, group_id: uuid.UUID) -> Group | None:
        return await self.session.get(Group, group_id)

    async def find_lesson(self, lesson_id: uuid.UUID) -> Lesson | None:
        return await self.session.get(Lesson, lesson_id)

    async def client(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Client:
        """The client's row; a stub when billing has not seen the client's events yet (the
        gateway has checked the client belongs to the caller's organisation). A client of
        another organisation is not found."""
        client = (await self.clients({(tenant_id, client_id)})).get(client_id)
        if client is None:
            raise NotFoundError("client")
        return client

    async def clients(self, wanted: set[tuple[uuid.UUID, uuid.UUID]]) -> dict[uuid.UUID, Client]:
        """client() for many (tenant, client) pairs in a few statements: the rows found, by
        client id; a client of another organisation is left out."""
        session = self.session
        ids = {client_id for _, client_id in wanted}
        found = {c.id: c for c in await session.scalars(select(Client).where(Client.id.in_(ids)))}
        missing = sorted(pair for pair in wanted if pair[1] not in found)
        if missing:
            insert = (
                postgresql.insert(Client)
                if session.get_bind().dialect.name == "postgresql"
                else sqlite.insert(Client)
            )
            await session.execute(
                insert.values(
                    [
                        {
                            "id": client_id,
                            "tenant_id": tenant_id,
                            "first_name": "",
                            "last_name": "",
                            "status": "active",
                        }
                        for tenant_id, client_id in missing
                    ]
                ).on_conflict_do_nothing()
            )
            added = select(Client).where(Client.id.in_([c for _, c in missing]))
            found |= {c.id: c for c in await session.scalars(added)}
        return {
            client_id: found[client_id]
            for tenant_id, client_id in wanted
            if client_id in found and found[client_id].tenant_id == tenant_id
        }

    async def client_state(
        self,
        tenant_id: uuid.UUID,
        client_id: uuid.UUID,
        *,
        first_name: str,
        last_name: str,
        branch_id: uuid.UUID | None,
        family_id: uuid.UUID | None,
        status: str,
        at: datetime,
    ) -> None:
        client = await self.client(tenant_id, client_id)
        client.first_name, client.last_name = first_name, last_name
        client.branch_id = branch_id
        _set_family(client, family_id, at)
        client.status = status
        await self.session.flush()

    async def family(
        self,
        tenant_id: uuid.UUID,
        family_id: uuid.UUID,
        member_ids: list[uuid.UUID],
        at: datetime,
    ) -> None:
        """The whole family as it is now: members not listed any more are out of it."""
        session = self.session
        members = await self.clients({(tenant_id, m) for m in member_ids})
        for client in members.values():
            _set_family(client, family_id, at)
        former = await session.scalars(
            select(Client).where(
                Client.tenant_id == tenant_id,
                Client.family_id == family_id,
                Client.id.not_in(list(members)),
            )
        )
        for client in former:
            _set_family(client, None, at)
        await session.flush()

    async def group(
        self,
        tenant_id: uuid.UUID,
        group_id: uuid.UUID,
        branch_id: uuid.UUID,
        programme: str | None,
        teacher_ids: list[uuid.UUID] | None,
    ) -> None:
        group = await self.find_group(group_id)
        if group is None:
            group = Group(id=group_id, tenant_id=tenant_id, branch_id=branch_id)
            self.session.add(group)
        elif group.tenant_id != tenant_id:
            return
        group.branch_id, group.programme = branch_id, programme
        group.teacher_id = teacher_ids[0] if teacher_ids else None
        await self.session.flush()

    async def lesson(
        self,
        tenant_id: uuid.UUID,
        lesson_id: uuid.UUID,
        group_id: uuid.UUID,
        teacher_id: uuid.UUID | None,
    ) -> None:
        lesson = await self.find_lesson(lesson_id)
        if lesson is None:
            self.session.add(
                Lesson(id=lesson_id, tenant_id=tenant_id, group_id=group_id, teacher_id=teacher_id)
            )
        elif lesson.tenant_id == tenant_id:
            lesson.teacher_id = teacher_id
        await self.session.flush()
