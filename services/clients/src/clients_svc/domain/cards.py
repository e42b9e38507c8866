"""Rules of the client card: age, custom field values, freeze periods."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

CUSTOM_FIELD_KINDS = ("text", "number", "date", "bool", "choice")
MAX_TEXT = 1000


def age_on(birthday: date | None, today: date) -> int | None:
    if birthday is None:
        return None
    years = today.year - birthday.year
    if (today.month, today.day) < (birthday.month, birthday.day):
        years -= 1
    return years


def birthday_problem(birthday: date | None, today: date) -> str | None:
    if birthday is None:
        return None
    if birthday > today:
        return "the birthday cannot be in the future"
    if today.year - birthday.year > 120:
        return "the birthday is more than 120 years ago"
    return None


def custom_value_problem(kind: str, choices: list[str], value: Any) -> str | None:
    """Why a value does not fit a custom field of this kind, or None when it does."""
    if value is None:
        return None
    match kind:
        case "text":
            if not isinstance(value, str) or len(value) > MAX_TEXT:
                return f"must be text of at most {MAX_TEXT} characters"
        case "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                return "must be a number"
            if not math.isfinite(value):
                return "must be a finite number"
        case "date":
            try:
                date.fromisoformat(str(value))
            except ValueError:
                return "must be a date (YYYY-MM-DD)"
        case "bool":
            if not isinstance(value, bool):
                return "must be true or false"
        case "choice":
            if value not in choices:
                return f"must be one of: {', '.join(choices)}"
    return None


def freeze_problem(from_date: date, until_date: date) -> tuple[str, str] | None:
    """(field, reason) when a freeze period is not acceptable."""
    if until_date < from_date:
        return "until_date", "the freeze must end on or after the day it starts"
    if (until_date - from_date).days > 366:
        return "until_date", "a freeze lasts at most a year"
    return None
