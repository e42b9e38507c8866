"""Group figures: fill rate, attendance, ages; calendar months."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date


def fill_rate(enrolled: int, capacity: int | None) -> float | None:
    """Enrolled clients per seat (above 1 when a group is overfull); None without a capacity."""
    if not capacity:
        return None
    return round(enrolled / capacity, 4)


def free_seats(capacity: int | None, taken: int) -> int | None:
    """Seats left; None means the group has no limit."""
    if capacity is None:
        return None
    return max(0, capacity - taken)


def age_on(birthday: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (birthday.month, birthday.day)
    return day.year - birthday.year - int(before_birthday)


def mean_age(total_days: int, count: int) -> float | None:
    """The mean exact age in years of `count` people whose ages add up to `total_days`."""
    return round(total_days / count / 365.25, 1) if count else None


def average(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, value: str) -> Month:
        year, _, month = value.partition("-")
        if not (len(year) == 4 and year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
            raise ValueError("a month is YYYY-MM")
        return cls(int(year), int(month))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def next(self) -> Month:
        return Month(self.year + (self.month == 12), self.month % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def months(first: Month, last: Month) -> list[Month]:
    out: list[Month] = []
    current = first
    while current <= last:
        out.append(current)
        current = current.next()
    return out


def attendance_rate(attended: int, marked: int) -> float | None:
    """Attended (or made up) marks among the marks of held lessons."""
    return round(attended / marked, 4) if marked else None
