"""Attendance-weighted pay: a rate per lesson plus a rate per attendee, effective-dated.

Rates are never edited: a change is a new rate from a day on, and that day may not be in the
past, so the pay of a lesson already held never changes.
"""

from __future__ import annotations

import bisect
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Rate:
    effective_from: date
    per_lesson_minor: int
    per_attendee_minor: int


@dataclass(frozen=True)
class HeldLesson:
    lesson_id: uuid.UUID
    day: date
    minutes: int
    attendees: int


@dataclass(frozen=True)
class PayLine:
    lesson_id: uuid.UUID
    day: date
    attendees: int
    amount_minor: int
    rate_from: date | None


@dataclass(frozen=True)
class Pay:
    lessons: int
    minutes: int
    attendees: int
    amount_minor: int
    lines: tuple[PayLine, ...]


class RateRefusedError(ValueError):
    pass


def rate_on(rates: Sequence[Rate], day: date) -> Rate | None:
    """The rate in force on a day: the latest one that started on or before it."""
    ordered = sorted(rates, key=lambda r: r.effective_from)
    at = bisect.bisect_right([r.effective_from for r in ordered], day)
    return ordered[at - 1] if at else None


def check_new_rate(existing: Sequence[Rate], new: Rate, today: date) -> None:
    if new.effective_from < today:
        raise RateRefusedError("a rate cannot start in the past: pay already earned never changes")
    if any(r.effective_from == new.effective_from for r in existing):
        raise RateRefusedError("a rate already starts on this day")
    if new.per_lesson_minor < 0 or new.per_attendee_minor < 0:
        raise RateRefusedError("rates are not negative")


def pay(lessons: Iterable[HeldLesson], rates: Sequence[Rate]) -> Pay:
    lines: list[PayLine] = []
    for lesson in sorted(lessons, key=lambda item: (item.day, str(item.lesson_id))):
        rate = rate_on(rates, lesson.day)
        amount = (
            0
            if rate is None
            else rate.per_lesson_minor + rate.per_attendee_minor * lesson.attendees
        )
        lines.append(
            PayLine(
                lesson.lesson_id,
                lesson.day,
                lesson.attendees,
                amount,
                rate.effective_from if rate else None,
            )
        )
    return Pay(
        lessons=len(lines),
        minutes=sum(item.minutes for item in lessons),
        attendees=sum(line.attendees for line in lines),
        amount_minor=sum(line.amount_minor for line in lines),
        lines=tuple(lines),
    )
