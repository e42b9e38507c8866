"""Request and response models of lessons."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Self

from pydantic import StringConstraints, model_validator

from crm_platform.fields import BusinessDate, MultiLine
from journal_svc.schemas_common import Minutes, Read, Strict, TimeOfDay


class Period(Strict):
    from_date: BusinessDate
    until_date: BusinessDate

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.until_date < self.from_date:
            raise ValueError("until_date is before from_date")
        return self


class LessonCreate(Strict):
    lesson_date: BusinessDate
    starts_at: TimeOfDay
    duration_minutes: Minutes
    # Default to the group's room and its first teacher.
    room_id: uuid.UUID | None = None
    teacher_id: uuid.UUID | None = None


class LessonUpdate(Strict):
    """Move a lesson, or record who actually ran it (a substitute)."""

    lesson_date: BusinessDate | None = None
    starts_at: TimeOfDay | None = None
    duration_minutes: Minutes | None = None
    room_id: uuid.UUID | None = None
    teacher_id: uuid.UUID | None = None


class CancelIn(Strict):
    reason: (
        Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), MultiLine] | None
    ) = None


class LessonRead(Read):
    id: uuid.UUID
    group_id: uuid.UUID
    branch_id: uuid.UUID
    lesson_date: date
    starts_at: str
    duration_minutes: int
    room_id: uuid.UUID | None
    teacher_id: uuid.UUID | None
    kind: str
    cancelled: bool
    cancel_reason: str | None
    attended: int
    marked: int
    version: int


class Generated(Read):
    created: list[LessonRead]
    skipped: int
