"""Queries of staff tasks on clients."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.models import Client, Task
from crm_platform.pagination import keyset


class TasksRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

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
        visible: ColumnElement[bool],
        assignee_id: uuid.UUID | None,
        status: str | None,
        due_until: date | None,
        cursor: str | None,
        limit: int,
    ) -> list[Task]:
        """Tasks on the clients `visible` (a condition on cards) lets the caller see."""
        query = select(Task).where(
            Task.tenant_id == tenant_id, Task.client_id.in_(select(Client.id).where(visible))
        )
        if assignee_id is not None:
            query = query.where(Task.assignee_id == assignee_id)
        if status is not None:
            query = query.where(Task.status == status)
        if due_until is not None:
            query = query.where(Task.due_date <= due_until)
        rows = await self.session.execute(keyset(query, Task.id, cursor, limit))
        return list(rows.scalars().all())
