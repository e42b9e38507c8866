"""Events published by the portal context: a client's commands to the other contexts.

A command is an event the owner consumes and answers with an event of its own; until that
answer arrives, the portal shows the command as pending."""

from __future__ import annotations

import uuid

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
