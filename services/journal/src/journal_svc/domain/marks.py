"""Mark statuses and what they count for."""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

STATUSES = ("planned", "attended", "absent", "excused", "makeup_attended")
# Present at the lesson: what billing takes a class for, and what attendance figures count.
PRESENT = frozenset({"attended", "makeup_attended"})
# A planned cell (a trial, a reminder) is not yet a record of the lesson.
RECORDED = frozenset({"attended", "absent", "excused", "makeup_attended"})


def counts(status: str | None) -> tuple[int, int]:
    """(present, recorded) that one mark adds to its lesson."""
    if status is None:
        return 0, 0
    return int(status in PRESENT), int(status in RECORDED)


def counter_change(before: str | None, after: str | None) -> tuple[int, int]:
    """How a lesson's attended and marked counters move when a mark changes."""
    b, a = counts(before), counts(after)
    return a[0] - b[0], a[1] - b[1]


# What happened at a lesson can be recorded only once it has started; planned (a trial, a
# booked make-up) and excused (an illness known ahead) may be set before.
AFTER_START = frozenset({"attended", "absent", "makeup_attended"})


def lesson_start(lesson_date: date, start_minute: int, zone: tzinfo) -> datetime:
    return datetime.combine(lesson_date, time(start_minute // 60, start_minute % 60), zone)


def too_early(status: str, starts_at: datetime, now: datetime) -> bool:
    """Whether `status` may not be set yet: the lesson has not started."""
    return status in AFTER_START and now < starts_at
