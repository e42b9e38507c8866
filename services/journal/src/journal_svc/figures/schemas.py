"""Response models of figures and pay; request models of pay rates."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from pydantic import Field

from crm_platform.fields import BusinessDate, WholeNumber
from crm_platform.pagination import WholeList
from journal_svc.schemas_common import Read, Strict

Minor = Annotated[WholeNumber, Field(ge=0, le=10**9)]


class MonthFigures(Read):
    month: str
    lessons_planned: int
    lessons_held: int
    lessons_cancelled: int
    attendances: int
    # Attendees per held lesson, and attended among recorded marks.
    average_attendance: float | None
    attendance_rate: float | None
    enrolled: int
    capacity: int | None
    fill_rate: float | None
    average_age: float | None


class GroupFigures(Read):
    group_id: uuid.UUID
    name: str
    branch_id: uuid.UUID
    months: list[MonthFigures]
    lessons_held: int
    attendances: int
    average_attendance: float | None
    attendance_rate: float | None
    average_fill_rate: float | None


class GroupMonth(MonthFigures):
    group_id: uuid.UUID
    name: str
    branch_id: uuid.UUID
    programme: str | None


class OrganisationMonth(Read, WholeList):
    """Every group the caller sees for one month, whole; `month` says which (a caller may
    leave it out and be answered for this month)."""

    month: str
    items: list[GroupMonth]


class TeacherFigures(Read):
    teacher_id: uuid.UUID
    # As identity last told it (None until it has): pages need no staff list to name them.
    teacher_name: str | None
    lessons: int
    hours: float
    attendees: int


class PayLine(Read):
    lesson_id: uuid.UUID
    lesson_date: date
    attendees: int
    amount_minor: int
    rate_from: date | None


class TeacherPay(TeacherFigures):
    amount_minor: int
    currency: str | None
    lines: list[PayLine]


class RateIn(Strict):
    effective_from: BusinessDate
    per_lesson_minor: Minor
    per_attendee_minor: Minor


class RateRead(Read):
    id: uuid.UUID
    teacher_id: uuid.UUID
    effective_from: date
    per_lesson_minor: int
    per_attendee_minor: int
