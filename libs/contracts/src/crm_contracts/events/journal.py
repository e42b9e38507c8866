"""Events published by the journal context.

Groups and enrolments are shared because clients (group membership filters, history), billing
(class consumption) and the gateway (access map) all read them. Attendance events are what
billing consumes classes from: every change of a mark is exactly one event, so billing can
take a class when a client attended and give it back when the mark is changed or removed.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from crm_contracts.registry import EventPayload, registry

MarkStatus = Literal["planned", "attended", "absent", "excused", "makeup_attended"]


@registry.register("journal.group_created", 1)
class GroupCreated(EventPayload):
    group_id: uuid.UUID
    branch_id: uuid.UUID
    name: str
    capacity: int | None = None
    programme: str | None = None
    teacher_ids: list[uuid.UUID] | None = None


@registry.register("journal.group_updated", 1)
class GroupUpdated(EventPayload):
    """The group's whole current state (branch moves included)."""

    group_id: uuid.UUID
    branch_id: uuid.UUID
    name: str
    capacity: int | None = None
    archived: bool = False
    programme: str | None = None
    teacher_ids: list[uuid.UUID] | None = None


@registry.register("journal.enrolment_started", 1)
class EnrolmentStarted(EventPayload):
    enrolment_id: uuid.UUID
    group_id: uuid.UUID
    branch_id: uuid.UUID
    client_id: uuid.UUID
    from_date: date
    until_date: date | None = None
    # Set when the enrolment is the receiving side of a transfer from another group.
    transferred_from: uuid.UUID | None = None


@registry.register("journal.enrolment_ended", 1)
class EnrolmentEnded(EventPayload):
    enrolment_id: uuid.UUID
    group_id: uuid.UUID
    branch_id: uuid.UUID
    client_id: uuid.UUID
    until_date: date
    # "left", "archived" or "transferred" (then transferred_to is the new enrolment).
    reason: str | None = None
    transferred_to: uuid.UUID | None = None


@registry.register("journal.lesson_scheduled", 1)
class LessonScheduled(EventPayload):
    """A lesson was added to a group's timetable (generated from the schedule or one-off)."""

    lesson_id: uuid.UUID
    group_id: uuid.UUID
    branch_id: uuid.UUID
    lesson_date: date
    starts_at: str  # HH:MM in the organisation's time zone
    duration_minutes: int
    teacher_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None


@registry.register("journal.lesson_cancelled", 1)
class LessonCancelled(EventPayload):
    lesson_id: uuid.UUID
    group_id: uuid.UUID
    branch_id: uuid.UUID
    lesson_date: date
    reason: str | None = None


@registry.register("journal.attendance_marked", 1)
class AttendanceMarked(EventPayload):
    """A mark was set or changed. previous_status is None when the cell was empty."""

    mark_id: uuid.UUID
    lesson_id: uuid.UUID
    group_id: uuid.UUID
    branch_id: uuid.UUID
    client_id: uuid.UUID
    lesson_date: date
    status: MarkStatus
    previous_status: MarkStatus | None = None
    # For a make-up attendance: the mark of the excused absence it makes up.
    makeup_of: uuid.UUID | None = None
    # For an excused absence: the last day its make-up can be used.
    makeup_until: date | None = None


@registry.register("journal.attendance_unmarked", 1)
class AttendanceUnmarked(EventPayload):
    """A mark was removed (the cell is empty again)."""

    mark_id: uuid.UUID
    lesson_id: uuid.UUID
    group_id: uuid.UUID
    client_id: uuid.UUID
    lesson_date: date
    previous_status: MarkStatus
    branch_id: uuid.UUID | None = None
    makeup_of: uuid.UUID | None = None


@registry.register("journal.waitlist_seat_offered", 1)
class WaitlistSeatOffered(EventPayload):
    """A seat freed in a full group is offered to the next client on its waitlist."""

    entry_id: uuid.UUID
    group_id: uuid.UUID
    branch_id: uuid.UUID
    client_id: uuid.UUID
    # the group's name, for the message that tells the client
    group_name: str = ""


@registry.register("journal.lesson_changed", 1)
class LessonChanged(EventPayload):
    """A lesson was moved (day, time, length, room) or its teacher changed (a substitute):
    the lesson's whole current state, with the names of the fields that changed."""

    lesson_id: uuid.UUID
    group_id: uuid.UUID
    branch_id: uuid.UUID
    lesson_date: date
    starts_at: str  # HH:MM in the organisation's time zone
    duration_minutes: int
    teacher_id: uuid.UUID | None = None
    room_id: uuid.UUID | None = None
    version: int
    changed: list[str] = []
    previous_lesson_date: date | None = None
    previous_teacher_id: uuid.UUID | None = None


CommentTarget = Literal["client", "cell", "lesson", "group"]


@registry.register("journal.comment_visible", 1)
class CommentVisible(EventPayload):
    """A comment the client may see, in its whole current state: published when a comment is
    written visible to the client, made visible, edited while visible, and once more when it
    is hidden again (visible_to_client false: the portal drops its copy). A client comment or
    a cell comment names the client; a lesson or group comment is for the group's clients."""

    comment_id: uuid.UUID
    group_id: uuid.UUID
    branch_id: uuid.UUID
    target: CommentTarget
    lesson_id: uuid.UUID | None = None
    client_id: uuid.UUID | None = None
    kind: Literal["action", "information"]
    body: str
    visible_to_client: bool
    version: int
    created_at: datetime


@registry.register("journal.makeup_booking_decided", 1)
class MakeupBookingDecided(EventPayload):
    """The journal's answer to a portal make-up command: "booked" (a planned make-up holds the
    seat; `mark_id`), "refused" (`reason`: the window, a full lesson, a used make-up...), or
    "cancelled" (the booked make-up was removed, seat and make-up free again)."""

    request_id: uuid.UUID
    client_id: uuid.UUID
    absence_mark_id: uuid.UUID
    lesson_id: uuid.UUID
    outcome: Literal["booked", "refused", "cancelled"]
    mark_id: uuid.UUID | None = None
    reason: str | None = None


@registry.register("journal.makeup_expiring", 1)
class MakeupExpiring(EventPayload):
    """An excused absence's make-up is still unused and its window closes soon: published
    once per absence, a configurable number of days before `makeup_until`."""

    mark_id: uuid.UUID
    client_id: uuid.UUID
    group_id: uuid.UUID
    branch_id: uuid.UUID
    lesson_date: date
    makeup_until: date
