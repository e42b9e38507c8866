"""Request and response models of enrolments and waitlists."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Self

from pydantic import StringConstraints, model_validator

from crm_platform.fields import BusinessDate, MultiLine
from journal_svc.schemas_common import Read, Strict

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500), MultiLine]


class EnrolmentCreate(Strict):
    client_id: uuid.UUID
    from_date: BusinessDate
    until_date: BusinessDate | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.until_date is not None and self.until_date < self.from_date:
            raise ValueError("until_date is before from_date")
        return self


class EnrolmentRead(Read):
    id: uuid.UUID
    group_id: uuid.UUID
    client_id: uuid.UUID
    from_date: date
    until_date: date | None
    end_reason: str | None
    transferred_from: uuid.UUID | None
    transferred_to: uuid.UUID | None
    version: int


class TransferIn(Strict):
    to_group_id: uuid.UUID
    # The first day in the new group; the old enrolment ends the day before.
    on_date: BusinessDate


class Transferred(Read):
    ended: EnrolmentRead
    started: EnrolmentRead


class ArchiveIn(Strict):
    # The last day in the group; today when left out.
    until_date: BusinessDate | None = None


class WaitlistAdd(Strict):
    client_id: uuid.UUID
    note: Note | None = None


class WaitlistRead(Read):
    id: uuid.UUID
    group_id: uuid.UUID
    client_id: uuid.UUID
    status: str
    note: str | None
    created_at: datetime
    offered_at: datetime | None


class AcceptIn(Strict):
    # The first day in the group; today when left out.
    from_date: BusinessDate | None = None
