"""Request and response models of marks and make-ups."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from pydantic import Field

from crm_platform.pagination import WholeList
from journal_svc.schemas_common import MarkStatus, Read, Strict


class MarkIn(Strict):
    status: MarkStatus
    # For makeup_attended: the excused absence (its mark id) this attendance makes up.
    makeup_of: uuid.UUID | None = None


class BulkMarkIn(Strict):
    """Marks a whole lesson at once: every client enrolled that day, or the ones listed."""

    status: Literal["planned", "attended", "absent", "excused"]
    client_ids: list[uuid.UUID] | None = Field(default=None, max_length=500)
    # Without it, cells that already hold a mark keep it.
    overwrite: bool = False


class MarkRead(Read):
    id: uuid.UUID
    lesson_id: uuid.UUID
    group_id: uuid.UUID
    client_id: uuid.UUID
    lesson_date: date
    status: MarkStatus
    makeup_of: uuid.UUID | None
    makeup_until: date | None
    marked_by: str
    marked_at: datetime
    version: int


class BulkMarked(Read):
    changed: list[MarkRead]
    unchanged: int


class OpenMakeup(Read):
    """An excused absence whose make-up is still usable."""

    mark_id: uuid.UUID
    client_id: uuid.UUID
    group_id: uuid.UUID
    lesson_id: uuid.UUID
    absence_date: date
    usable_until: date


class Seat(Read):
    lesson_id: uuid.UUID
    group_id: uuid.UUID
    group_name: str
    branch_id: uuid.UUID
    programme: str | None
    lesson_date: date
    starts_at: str
    duration_minutes: int
    capacity: int | None
    taken: int
    free: int | None
    fill_rate: float | None


class Seats(Read, WholeList):
    absence: OpenMakeup
    items: list[Seat]
