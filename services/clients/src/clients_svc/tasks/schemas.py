"""Request and response models of staff tasks."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import StringConstraints

from clients_svc.schemas_common import (
    Note,
    Read,
    Strict,
)
from crm_platform.fields import BusinessDate, OneLine


class TaskCreate(Strict):
    kind: Literal["call", "task"] = "call"
    title: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200), OneLine
    ]
    due_date: BusinessDate
    assignee_id: uuid.UUID | None = None
    note: Note | None = None


class TaskUpdate(Strict):
    status: Literal["open", "done", "cancelled"] | None = None
    due_date: BusinessDate | None = None
    assignee_id: uuid.UUID | None = None
    note: Note | None = None


class TaskRead(Read):
    id: uuid.UUID
    client_id: uuid.UUID
    kind: str
    title: str
    due_date: date
    assignee_id: uuid.UUID | None
    status: str
    note: str | None
    version: int
    created_at: datetime
