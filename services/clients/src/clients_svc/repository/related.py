"""Queries on what hangs off a card, and on the read models fed by other contexts' events.
Every staff-facing query is filtered by tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.models import (
    Branch,
    ClientTag,
    CustomField,
    Family,
    Group,
    HistoryEntry,
    Lead,
    Membership,
    MessengerBinding,
    Organisation,
    PersonalLink,
    Tag,
    Task,
)
from crm_platform.pagination import decode_cursor, keyset


class RelatedQueries:
    session: AsyncSession

    # organisations, groups and memberships (read models)
    async def organisation(self, tenant_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, tenant_id)

    async def group(self, group_id: uuid.UUID) -> Group | None:
        return await self.session.get(Group, group_id)

    async def branch(self, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> Branch | None:
        row = await self.session.get(Branch, branch_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def add_branch(self, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> None:
        if await self.session.get(Branch, branch_id) is None:
            self.session.add(Branch(id=branch_id, tenant_id=tenant_id))

    async def membership(self, enrolment_id: uuid.UUID) -> Membership | None:
        return await self.session.get(Membership, enrolment_id)

    async def move_group_memberships(
        self, tenant_id: uuid.UUID, group_id: uuid.UUID, branch_id: uuid.UUID
    ) -> None:
        await self.session.execute(
            update(Membership)
            .where(Membership.tenant_id == tenant_id, Membership.group_id == group_id)
            .values(branch_id=branch_id)
        )

    # tags
    async def tags(self, tenant_id: uuid.UUID) -> list[Tag]:
        rows = await self.session.execute(
            select(Tag).where(Tag.tenant_id == tenant_id).order_by(Tag.name_key)
        )
        return list(rows.scalars().all())

    async def tag(self, tenant_id: uuid.UUID, tag_id: uuid.UUID) -> Tag | None:
        row = await self.session.get(Tag, tag_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def tag_by_key(self, tenant_id: uuid.UUID, name_key: str) -> Tag | None:
        rows = await self.session.execute(
            select(Tag).where(Tag.tenant_id == tenant_id, Tag.name_key == name_key)
        )
        return rows.scalar_one_or_none()

    async def known_tag_ids(
        self, tenant_id: uuid.UUID, tag_ids: Sequence[uuid.UUID]
    ) -> set[uuid.UUID]:
        if not tag_ids:
            return set()
        rows = await self.session.execute(
            select(Tag.id).where(Tag.tenant_id == tenant_id, Tag.id.in_(list(tag_ids)))
        )
        return set(rows.scalars().all())

    async def clients_with_tag(self, tag_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self.session.execute(
            select(ClientTag.client_id).where(ClientTag.tag_id == tag_id)
        )
        return list(rows.scalars().all())

    # custom fields
    async def custom_fields(self, tenant_id: uuid.UUID) -> list[CustomField]:
        rows = await self.session.execute(
            select(CustomField).where(CustomField.tenant_id == tenant_id).order_by(CustomField.key)
        )
        return list(rows.scalars().all())

    async def custom_field(self, tenant_id: uuid.UUID, field_id: uuid.UUID) -> CustomField | None:
        row = await self.session.get(CustomField, field_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    # families
    async def family(self, tenant_id: uuid.UUID, family_id: uuid.UUID) -> Family | None:
        row = await self.session.get(Family, family_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    # leads
    async def lead(self, tenant_id: uuid.UUID, lead_id: uuid.UUID) -> Lead | None:
        rows = await self.session.execute(
            select(Lead).where(Lead.tenant_id == tenant_id, Lead.id == lead_id).with_for_update()
        )
        return rows.scalar_one_or_none()

    async def leads(
        self,
        tenant_id: uuid.UUID,
        scope: ColumnElement[bool] | None,
        statuses: Sequence[str],
        cursor: str | None,
        limit: int,
    ) -> list[Lead]:
        query = select(Lead).where(Lead.tenant_id == tenant_id)
        if scope is not None:
            query = query.where(scope)
        if statuses:
            query = query.where(Lead.status.in_(list(statuses)))
        rows = await self.session.execute(keyset(query, Lead.id, cursor, limit))
        return list(rows.scalars().all())

    async def open_lead_with_contact(
        self, tenant_id: uuid.UUID, phone: str | None, email: str | None
    ) -> Lead | None:
        wanted: list[ColumnElement[bool]] = []
        if phone:
            wanted.append(Lead.phone == phone)
        if email:
            wanted.append(Lead.email == email)
        if not wanted:
            return None
        rows = await self.session.execute(
            select(Lead)
            .where(
                Lead.tenant_id == tenant_id,
                Lead.status.in_(["new", "contacted", "trial"]),
                or_(*wanted),
            )
            .order_by(Lead.id)
            .limit(1)
        )
        return rows.scalar_one_or_none()

    # personal links
    async def links_of(self, client_id: uuid.UUID) -> list[PersonalLink]:
        rows = await self.session.execute(
            select(PersonalLink)
            .where(PersonalLink.client_id == client_id)
            .order_by(PersonalLink.created_at.desc())
        )
        return list(rows.scalars().all())

    async def link(self, token_hash: bytes) -> PersonalLink | None:
        return await self.session.get(PersonalLink, token_hash)

    # messenger bindings
    async def binding(
        self, tenant_id: uuid.UUID, channel: str, chat_id: str, client_id: uuid.UUID
    ) -> MessengerBinding | None:
        return await self.session.get(MessengerBinding, (tenant_id, channel, chat_id, client_id))

    # tasks
    async def task(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, task_id: uuid.UUID
    ) -> Task | None:
        row = await self.session.get(Task, task_id)
        if row is None or row.tenant_id != tenant_id or row.client_id != client_id:
            return None
        return row

    async def tasks_of(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, cursor: str | None, limit: int
    ) -> list[Task]:
        query = select(Task).where(Task.tenant_id == tenant_id, Task.client_id == client_id)
        rows = await self.session.execute(keyset(query, Task.id, cursor, limit))
        return list(rows.scalars().all())

    async def tasks_due(
        self,
        tenant_id: uuid.UUID,
        visible_client_ids: ColumnElement[bool],
        assignee_id: uuid.UUID | None,
        status: str | None,
        due_until: date | None,
        cursor: str | None,
        limit: int,
    ) -> list[Task]:
        query = select(Task).where(Task.tenant_id == tenant_id, visible_client_ids)
        if assignee_id is not None:
            query = query.where(Task.assignee_id == assignee_id)
        if status is not None:
            query = query.where(Task.status == status)
        if due_until is not None:
            query = query.where(Task.due_date <= due_until)
        rows = await self.session.execute(keyset(query, Task.id, cursor, limit))
        return list(rows.scalars().all())

    # history
    async def history(
        self,
        tenant_id: uuid.UUID,
        client_id: uuid.UUID,
        sections: Sequence[str],
        cursor: str | None,
        limit: int,
    ) -> list[HistoryEntry]:
        """Newest first: ids are UUIDv7 of when each thing happened."""
        query = select(HistoryEntry).where(
            HistoryEntry.tenant_id == tenant_id,
            HistoryEntry.client_id == client_id,
            HistoryEntry.section.in_(list(sections)),
        )
        if cursor:
            query = query.where(HistoryEntry.id < decode_cursor(cursor))
        rows = await self.session.execute(query.order_by(HistoryEntry.id.desc()).limit(limit + 1))
        return list(rows.scalars().all())
