"""Weekly schedules, the lessons they generate for a period, and room or teacher clashes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

MINUTES_PER_DAY = 24 * 60
MAX_GENERATED_DAYS = 366


def parse_time(value: str) -> int:
    """'17:30' -> minutes since midnight."""
    hours, _, minutes = value.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError("a time of day is HH:MM")
    total = int(hours) * 60 + int(minutes)
    if int(hours) > 23 or int(minutes) > 59:
        raise ValueError("a time of day is between 00:00 and 23:59")
    return total


def format_time(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    """Half-open intervals: a lesson ending at 18:00 does not clash with one starting then."""
    return a_start < b_end and b_start < a_end


def spans_overlap(a_from: date, a_until: date | None, b_from: date, b_until: date | None) -> bool:
    return (b_until is None or a_from <= b_until) and (a_until is None or b_from <= a_until)


@dataclass(frozen=True)
class Slot:
    """A weekly time: ISO weekday (1 = Monday), start and end minute, room and teacher."""

    weekday: int
    start_minute: int
    end_minute: int
    room_id: uuid.UUID | None = None
    teacher_id: uuid.UUID | None = None
    slot_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Timed:
    """Something that occupies a room and a teacher on a day: a lesson, planned or held."""

    day: date
    start_minute: int
    end_minute: int
    room_id: uuid.UUID | None
    teacher_id: uuid.UUID | None
    ref: uuid.UUID | None = None  # the lesson, when it exists
    slot_id: uuid.UUID | None = None


@dataclass(frozen=True)
class Clash:
    resource: str  # "room" or "teacher"
    day: date
    start_minute: int
    end_minute: int
    other: uuid.UUID | None

    def reason(self) -> str:
        when = f"{self.day.isoformat()} {format_time(self.start_minute)}"
        return f"the {self.resource} is taken at {when}"


def days(start: date, until: date) -> Iterator[date]:
    day = start
    while day <= until:
        yield day
        day += timedelta(days=1)


def generate(
    slots: Sequence[Slot],
    period_from: date,
    period_until: date,
    group_from: date,
    group_until: date | None,
) -> list[Timed]:
    """The lessons a weekly schedule gives in a period, clipped to the group's own span."""
    start = max(period_from, group_from)
    end = period_until if group_until is None else min(period_until, group_until)
    if end < start:
        return []
    if (end - start).days >= MAX_GENERATED_DAYS:
        raise ValueError(f"lessons are generated for at most {MAX_GENERATED_DAYS} days at once")
    by_weekday: dict[int, list[Slot]] = {}
    for slot in slots:
        by_weekday.setdefault(slot.weekday, []).append(slot)
    out: list[Timed] = []
    for day in days(start, end):
        for slot in sorted(by_weekday.get(day.isoweekday(), ()), key=lambda s: s.start_minute):
            out.append(
                Timed(
                    day,
                    slot.start_minute,
                    slot.end_minute,
                    slot.room_id,
                    slot.teacher_id,
                    slot_id=slot.slot_id,
                )
            )
    return out


def clashes(new: Sequence[Timed], existing: Iterable[Timed]) -> list[Clash]:
    """Every clash of a new lesson with an existing one or with another new one: the same
    room or the same teacher at overlapping times of the same day."""
    found: list[Clash] = []
    by_day: dict[date, list[Timed]] = {}
    for item in existing:
        by_day.setdefault(item.day, []).append(item)
    for item in new:
        for other in by_day.get(item.day, ()):
            if other.ref is not None and other.ref == item.ref:
                continue
            if not overlaps(
                item.start_minute, item.end_minute, other.start_minute, other.end_minute
            ):
                continue
            if item.room_id is not None and item.room_id == other.room_id:
                found.append(Clash("room", item.day, item.start_minute, item.end_minute, other.ref))
            if item.teacher_id is not None and item.teacher_id == other.teacher_id:
                found.append(
                    Clash("teacher", item.day, item.start_minute, item.end_minute, other.ref)
                )
        by_day.setdefault(item.day, []).append(item)
    return found


def slot_clashes(
    new: Sequence[Slot],
    new_span: tuple[date, date | None],
    existing: Iterable[tuple[Slot, date, date | None]],
) -> list[tuple[str, Slot]]:
    """Weekly slots that take a room or a teacher another group's schedule already takes in
    an overlapping span of dates (and a group's own slots that clash with each other)."""
    found: list[tuple[str, Slot]] = []
    others = list(existing)
    for i, slot in enumerate(new):
        pool = [(s, new_span[0], new_span[1]) for s in new[:i]] + others
        for other, other_from, other_until in pool:
            if other.weekday != slot.weekday or not overlaps(
                slot.start_minute, slot.end_minute, other.start_minute, other.end_minute
            ):
                continue
            if not spans_overlap(new_span[0], new_span[1], other_from, other_until):
                continue
            if slot.room_id is not None and slot.room_id == other.room_id:
                found.append(("room", slot))
            if slot.teacher_id is not None and slot.teacher_id == other.teacher_id:
                found.append(("teacher", slot))
    return found
