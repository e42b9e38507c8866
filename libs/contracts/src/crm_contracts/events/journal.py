"""Events published by the journal context that other contexts build on.

Groups and enrolments are shared here first because clients (group membership filters,
history), billing (class consumption) and the gateway (access map) all read them.
"""

from __future__ import annotations

import uuid
from datetime import date

from crm_contracts.registry import EventPayload, registry


@registry.register("journal.group_created", 1)
class GroupCreated(EventPayload):
    group_id: uuid.UUID
    branch_id: uuid.UUID
    name: str
    capacity: int | None = None


@registry.register("journal.group_updated", 1)
class GroupUpdated(EventPayload):
    """The group's whole current state (branch moves included)."""

    group_id: uuid.UUID
    branch_id: uuid.UUID
    name: str
    capacity: int | None = None
    archived: bool = False


@registry.register("journal.enrolment_started", 1)
class EnrolmentStarted(EventPayload):
    enrolment_id: uuid.UUID
    group_id: uuid.UUID
    branch_id: uuid.UUID
    client_id: uuid.UUID
    from_date: date
    until_date: date | None = None


@registry.register("journal.enrolment_ended", 1)
class EnrolmentEnded(EventPayload):
    enrolment_id: uuid.UUID
    group_id: uuid.UUID
    branch_id: uuid.UUID
    client_id: uuid.UUID
    until_date: date
