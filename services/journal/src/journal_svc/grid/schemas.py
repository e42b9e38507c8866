"""The journal grid as the API returns it."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from journal_svc.schemas_common import MarkStatus, Read

RowState = Literal["active", "guest", "left"]


class Cell(Read):
    mark_id: uuid.UUID
    status: MarkStatus
    makeup_of: uuid.UUID | None
    version: int
    comments: int


class Column(Read):
    lesson_id: uuid.UUID
    lesson_date: date
    starts_at: str
    duration_minutes: int
    kind: str
    cancelled: bool
    teacher_id: uuid.UUID | None
    attended: int
    comments: int


class Row(Read):
    """A client: active members first, make-up guests next, those who left at the end."""

    client_id: uuid.UUID
    state: RowState
    first_name: str | None
    last_name: str | None
    age: int | None
    phone: str | None
    email: str | None
    # Hidden (null) for a teacher whose finances are hidden.
    balance_minor: int | None
    currency: str | None
    classes_left: int | None
    enrolled_from: date | None
    enrolled_until: date | None
    comments: int
    # lesson id -> the cell's mark; empty cells are left out.
    cells: dict[uuid.UUID, Cell]


class GroupHead(Read):
    id: uuid.UUID
    name: str
    programme: str | None
    branch_id: uuid.UUID
    capacity: int | None
    archived: bool
    version: int


class Journal(Read):
    group: GroupHead
    from_date: date
    until_date: date
    as_of: date
    lessons: list[Column]
    rows: list[Row]
    comments: int
