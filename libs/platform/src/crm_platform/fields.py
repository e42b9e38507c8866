"""Field types every service's requests use, so a bad value is the same 422 naming the field
everywhere (bodies and query strings alike).

- BusinessDate: a calendar date written `YYYY-MM-DD` within the supported range
  (1900-01-01 to 2200-12-31); a number is not a date, and nothing later can overflow the
  calendar (a period added, a month after).
- BusinessMonth: a month written `YYYY-MM` within the same range.
- BusinessTime: a point in time written ISO 8601 (`YYYY-MM-DDTHH:MM:SS+01:00`; without an
  offset it is UTC) whose date is within the same range: a number is not a time (`?since=0`
  was the epoch), and one near year 1 or 9999 cannot overflow when taken to UTC.
- WholeNumber: money in minor units and counts; an integer in the JSON, never `"100"` or
  `true`.
- Line and Text (OneLine and MultiLine after other constraints): text without control
  characters (a NUL would be stored, or refused by PostgreSQL as a 500); Text also takes
  tabs and line breaks.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Strict, WithJsonSchema
from pydantic_core import PydanticCustomError

MIN_DATE = date(1900, 1, 1)
MAX_DATE = date(2200, 12, 31)
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ].*)?", re.DOTALL)
_ISO_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
_RANGE = f"from {MIN_DATE.isoformat()} to {MAX_DATE.isoformat()}"
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _date_written_as_date(value: Any) -> Any:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        return value
    raise PydanticCustomError("date_format", "a date is written YYYY-MM-DD")


def in_supported_range(value: date) -> date:
    if not MIN_DATE <= value <= MAX_DATE:
        raise PydanticCustomError("date_range", f"a date {_RANGE}")
    return value


def _time_written_as_time(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and _ISO_TIME.fullmatch(value):
        return value
    raise PydanticCustomError("datetime_format", "a time is written YYYY-MM-DDTHH:MM:SS+HH:MM")


def time_in_supported_range(value: datetime) -> datetime:
    in_supported_range(value.date())  # its own date: within the range, UTC is a day away
    return value


def _month(value: Any) -> Any:
    found = _ISO_MONTH.fullmatch(value) if isinstance(value, str) else None
    if found is None or not 1 <= int(found[2]) <= 12:
        raise PydanticCustomError("month_format", "a month is written YYYY-MM")
    in_supported_range(date(int(found[1]), int(found[2]), 1))
    return value


def _no_control(pattern: re.Pattern[str], what: str) -> Any:
    def check(value: str) -> str:
        if pattern.search(value) is not None:
            raise PydanticCustomError(
                "control_character", f"{what} may not hold control characters"
            )
        return value

    return check


BusinessDate = Annotated[
    date, BeforeValidator(_date_written_as_date), AfterValidator(in_supported_range)
]
BusinessTime = Annotated[
    datetime, BeforeValidator(_time_written_as_time), AfterValidator(time_in_supported_range)
]
BusinessMonth = Annotated[
    str,
    BeforeValidator(_month),
    WithJsonSchema({"type": "string", "pattern": r"^\d{4}-\d{2}$", "description": "YYYY-MM"}),
]
WholeNumber = Annotated[int, Strict()]
# Put after a StringConstraints (which strips and measures first):
# Annotated[str, StringConstraints(strip_whitespace=True, max_length=200), OneLine].
OneLine = AfterValidator(_no_control(_CONTROL, "a line of text"))
MultiLine = AfterValidator(_no_control(_CONTROL_BUT_LINES, "text"))
Line = Annotated[str, OneLine]
Text = Annotated[str, MultiLine]
