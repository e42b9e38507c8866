"""Make-ups: an excused absence grants one make-up, usable within the organisation's window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta


def makeup_until(absence_day: date, window_days: int) -> date:
    """The last day on which the make-up of an absence on `absence_day` can be used."""
    return absence_day + timedelta(days=window_days)


@dataclass(frozen=True)
class Absence:
    """An excused absence as the rule needs it."""

    day: date
    until: date
    used: bool = False


class MakeupRefusedError(ValueError):
    """Why a make-up cannot be used; the message is shown to the user."""


def check_makeup(absence: Absence, lesson_day: date) -> None:
    """A make-up is used in a lesson after the absence and no later than its last day."""
    if absence.used:
        raise MakeupRefusedError("this absence's make-up has already been used")
    if lesson_day <= absence.day:
        raise MakeupRefusedError("a make-up must come after the absence it makes up")
    if lesson_day > absence.until:
        raise MakeupRefusedError(
            f"the make-up window of this absence ended on {absence.until.isoformat()}"
        )


def is_offered(absence: Absence, today: date) -> bool:
    """Open make-ups are offered until their last day; expired or used ones are not."""
    return not absence.used and today <= absence.until


def window_for_seats(absence: Absence, today: date) -> tuple[date, date] | None:
    """The days in which to look for a make-up seat, or None when none is left."""
    start = max(absence.day + timedelta(days=1), today)
    if absence.used or start > absence.until:
        return None
    return start, absence.until
