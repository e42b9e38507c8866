"""Staff tasks on a client: a call on a date, with an assignee and a status."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from clients_svc.access import WRITERS, actor_of
from clients_svc.cards.access import ClientAccess
from clients_svc.context import Context
from clients_svc.domain.history import HistoryKind
from clients_svc.history.service import History
from clients_svc.models import Task
from clients_svc.tasks import schemas
from clients_svc.tasks.repository import TasksRepository
from crm_contracts.ids import uuid7
from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import Principal, require_role
from crm_platform.preconditions import check_version

STATUS_KINDS: dict[str, HistoryKind] = {
    "open": "task.open",
    "done": "task.done",
    "cancelled": "task.cancelled",
}


@dataclass
class Tasks:
    ctx: Context

    @property
    def repo(self) -> TasksRepository:
        return TasksRepository(self.ctx.session)

    async def of_client(
        self, principal: Principal, client_id: uuid.UUID, cursor: str | None, limit: int
    ) -> list[Task]:
        client = await ClientAccess(self.ctx).visible_client(principal, client_id)
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
        tenant, scope, _ = await ClientAccess(self.ctx).scope(principal)
        assignee = uuid.UUID(principal.subject) if mine else None
        return await self.repo.tasks_due(tenant, scope, assignee, status, due_until, cursor, limit)

    async def create(
        self, principal: Principal, client_id: uuid.UUID, body: schemas.TaskCreate
    ) -> Task:
        require_role(principal, *WRITERS)
        client = await ClientAccess(self.ctx).visible_client(principal, client_id)
        await self._check_assignee(principal, body.assignee_id)
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
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(task)
        await self.ctx.session.flush()
        what = "Call" if body.kind == "call" else "Task"
        History(self.ctx).record(
            client,
            "events",
            "task.created",
            f"{what} planned for {body.due_date}: {body.title}",
            data={
                "task_id": str(task.id),
                "assignee_id": _str(body.assignee_id),
                "task_kind": body.kind,
                "due_date": body.due_date.isoformat(),
                "title": body.title,
            },
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
        client = await ClientAccess(self.ctx).visible_client(principal, client_id)
        task = await self.repo.task(client.tenant_id, client.id, task_id)
        if task is None:
            raise NotFoundError("task")
        check_version(task.version, if_match)
        changes = body.model_dump(exclude_unset=True)
        if changes.get("assignee_id") not in (None, task.assignee_id):
            await self._check_assignee(principal, changes["assignee_id"])
        status_before = task.status
        for field, value in changes.items():
            setattr(task, field, value)
        task.version += 1
        await self.ctx.session.flush()
        if task.status != status_before:
            History(self.ctx).record(
                client,
                "events",
                STATUS_KINDS[task.status],
                f"{task.title}: {task.status}",
                data={"task_id": str(task.id), "title": task.title},
                actor=actor_of(principal),
            )
        return task

    async def _check_assignee(self, principal: Principal, assignee_id: uuid.UUID | None) -> None:
        """An assignee is the caller, or a staff member of the caller's organisation, not
        deactivated, whom the caller sees (libs' scope rule over where each works); any other
        id answers as an unknown one: 422 naming assignee_id."""
        if assignee_id is None or str(assignee_id) == principal.subject:
            return
        visible = await ClientAccess(self.ctx).visible(principal)
        await visible.require("staff member", assignee_id, "assignee_id")


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None
