"""Events published by the portal context: a client's commands to the other contexts.

A command is an event the owner consumes and answers with an event of its own; until that
answer arrives, the portal shows the command as pending."""

from __future__ import annotations

import uuid
from datetime import date

from crm_contracts.registry import EventPayload, registry


@registry.register("portal.makeup_requested", 1)
class MakeupRequested(EventPayload):
    """Book the make-up of an excused absence into a lesson ahead (a "planned" make-up that
    holds the seat); the journal answers with journal.makeup_booking_decided."""

    request_id: uuid.UUID
    client_id: uuid.UUID
    absence_mark_id: uuid.UUID
    lesson_id: uuid.UUID


@registry.register("portal.makeup_cancel_requested", 1)
class MakeupCancelRequested(EventPayload):
    """Cancel a booked make-up that has not happened: the seat and the make-up are free again."""

    request_id: uuid.UUID
    client_id: uuid.UUID
    absence_mark_id: uuid.UUID
    lesson_id: uuid.UUID


class ProfileChanges(EventPayload):
    """The card fields a client asks to change; a field left out stays as it is."""

    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    email: str | None = None
    birthday: date | None = None


@registry.register("portal.profile_change_requested", 1)
class ProfileChangeRequested(EventPayload):
    """A client asks staff to change their card; clients keeps it for staff to approve or
    reject, and answers with clients.profile_change_decided."""

    request_id: uuid.UUID
    client_id: uuid.UUID
    changes: ProfileChanges
