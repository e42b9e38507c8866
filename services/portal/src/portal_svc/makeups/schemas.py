"""Make-up credits, the seats that fit them, and booking requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import ConfigDict

from crm_platform.pagination import WholeList
from portal_svc.overview.schemas import MakeupCredit
from portal_svc.schemas_common import AsOf, Read


class Seat(Read):
    lesson_id: uuid.UUID
    group_id: uuid.UUID
    group_name: str | None
    branch_id: uuid.UUID
    lesson_date: date
    starts_at: str
    duration_minutes: int
    free_seats: int | None  # None: the group has no limit


class Seats(Read, WholeList):
    """Every lesson that fits the credit, whole; `as_of` says how fresh the free seats are."""

    as_of: AsOf
    items: list[Seat]


class RequestRead(Read):
    request_id: uuid.UUID
    client_id: uuid.UUID
    absence_mark_id: uuid.UUID
    lesson_id: uuid.UUID
    # pending (the journal has not answered yet), booked, refused, cancelling, cancelled
    status: str
    reason: str | None
    created_at: datetime
    decided_at: datetime | None


class Makeups(Read):
    as_of: AsOf
    client_id: uuid.UUID
    credits: list[MakeupCredit]
    requests: list[RequestRead]


class BookIn(Read):
    model_config = ConfigDict(extra="forbid")

    mark_id: uuid.UUID
    lesson_id: uuid.UUID
