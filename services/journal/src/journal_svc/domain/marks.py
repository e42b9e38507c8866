"""Mark statuses and what they count for."""

from __future__ import annotations

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
