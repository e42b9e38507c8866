"""Validity periods and freezes: dates only, in the organisation's calendar."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, Protocol

PeriodUnit = Literal["day", "week", "month"]


def add_period(start: date, unit: PeriodUnit, count: int) -> date:
    """`start` moved forward by `count` units; a month from 31 January is 28/29 February."""
    if unit == "day":
        return start + timedelta(days=count)
    if unit == "week":
        return start + timedelta(weeks=count)
    months = start.month - 1 + count
    year, month = start.year + months // 12, months % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def period_end(start: date, unit: PeriodUnit, count: int) -> date:
    """The last day (included) of a period of `count` units starting on `start`."""
    return add_period(start, unit, count) - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Freeze:
    """Both days included."""

    from_date: date
    until_date: date

    @property
    def days(self) -> int:
        return (self.until_date - self.from_date).days + 1

    def covers(self, day: date) -> bool:
        return self.from_date <= day <= self.until_date


class InvalidFreezeError(ValueError):
    pass


def check_freeze(freeze: Freeze, existing: Iterable[Freeze]) -> None:
    if freeze.until_date < freeze.from_date:
        raise InvalidFreezeError("a freeze ends on or after the day it starts")
    for other in existing:
        if freeze.from_date <= other.until_date and other.from_date <= freeze.until_date:
            raise InvalidFreezeError("the pack is already frozen on some of these days")


def frozen_on(day: date, freezes: Iterable[Freeze]) -> bool:
    return any(f.covers(day) for f in freezes)


class ClientFreeze(Protocol):
    """A client's freeze as the clients context reports it: no end means until unfrozen."""

    @property
    def frozen_from(self) -> date | None: ...

    @property
    def frozen_until(self) -> date | None: ...


def client_frozen_on(day: date, client: ClientFreeze | None) -> bool:
    """Whether the client (None: not known yet) is frozen on `day`."""
    if client is None or client.frozen_from is None or day < client.frozen_from:
        return False
    return client.frozen_until is None or day <= client.frozen_until


def end_after_freeze(ends_on: date | None, freeze: Freeze) -> date | None:
    """Validity moves by the frozen days (a pack without an end date has nothing to move)."""
    return None if ends_on is None else ends_on + timedelta(days=freeze.days)


def shorten_freeze(freeze: Freeze, last_frozen_day: date) -> Freeze:
    """A freeze ended early: its last frozen day becomes `last_frozen_day`."""
    if last_frozen_day < freeze.from_date - timedelta(days=1):
        raise InvalidFreezeError("a freeze cannot end before it starts")
    return Freeze(freeze.from_date, min(freeze.until_date, last_frozen_day))


def active_on(starts_on: date, ends_on: date | None, day: date) -> bool:
    return starts_on <= day and (ends_on is None or day <= ends_on)
