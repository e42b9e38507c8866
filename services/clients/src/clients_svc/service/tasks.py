"""Staff tasks on a client (a call on a date, with an assignee and a status) and the
client's history, newest first."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from clients_svc import schemas
from clients_svc.domain.history import SECTIONS
from clients_svc.models import Client, HistoryEntry, Task
from clients_svc.service.base import WRITERS, UseCase, actor_of
from crm_contracts.ids import uuid7
from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import Principal, require_role
from crm_platform.preconditions import check_version


class Tasks(UseCase):
    async def of_client(
        self, principal: Principal, client_id: uuid.UUID, cursor: str | None, limit: int
    ) -> list[Task]:
        client = await self.visible_client(principal, client_id)
        return await self.repo.tasks_of(client.tenant_id, client.id, cursor, limit)

    async def due(
        self,
        principal: Principal,
        *,
        mine: bool,
        status: str | None,
        due_until: date | None,
        cursor: str | None,
        limit: int,
    ) -> list[Task]:
        """Tasks across the clients the caller may see (e.g. "my calls for today")."""
        tenant, scope, _ = await self.scope(principal)
        assignee = uuid.UUID(principal.subject) if mine else None
        visible = Task.client_id.in_(select(Client.id).where(scope))
        return await self.repo.tasks_due(
            tenant, visible, assignee, status, due_until, cursor, limit
        )

    async def create(
        self, principal: Principal, client_id: uuid.UUID, body: schemas.TaskCreate
    ) -> Task:
        require_role(principal, *WRITERS)
        client = await self.visible_client(principal, client_id)
        task = Task(
            id=uuid7(),
            tenant_id=client.tenant_id,
            client_id=client.id,
            kind=body.kind,
            title=body.title,
            due_date=body.due_date,
            assignee_id=body.assignee_id,
            status="open",
            note=body.note,
            created_by=principal.subject,
            version=1,
            created_at=self.now(),
        )
        self.session.add(task)
        await self.session.flush()
        what = "Call" if body.kind == "call" else "Task"
        self.record(
            client,
            "events",
            "task.created",
            f"{what} planned for {body.due_date}: {body.title}",
            data={"task_id": str(task.id), "assignee_id": _str(body.assignee_id)},
            actor=actor_of(principal),
        )
        return task

    async def update(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        task_id: uuid.UUID,
        body: schemas.TaskUpdate,
        if_match: int | None,
    ) -> Task:
        require_role(principal, *WRITERS)
        client = await self.visible_client(principal, client_id)
        task = await self.repo.task(client.tenant_id, client.id, task_id)
        if task is None:
            raise NotFoundError("task")
        check_version(task.version, if_match)
        changes = body.model_dump(exclude_unset=True)
        status_before = task.status
        for field, value in changes.items():
            setattr(task, field, value)
        task.version += 1
        await self.session.flush()
        if task.status != status_before:
            self.record(
                client,
                "events",
                f"task.{task.status}",
                f"{task.title}: {task.status}",
                data={"task_id": str(task.id)},
                actor=actor_of(principal),
            )
        return task

    async def history(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        sections: list[str],
        cursor: str | None,
        limit: int,
    ) -> list[HistoryEntry]:
        client = await self.visible_client(principal, client_id)
        wanted = [s for s in (sections or SECTIONS) if s in SECTIONS]
        if principal.finances_hidden:
            wanted = [s for s in wanted if s != "finances"]
        return await self.repo.history(client.tenant_id, client.id, wanted, cursor, limit)


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None
