"""What "now" is: a service reads time from an injected clock (tests fix it), never from
datetime.now in its rules; and the date it is somewhere."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import UTC, date, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def zone_of(time_zone: str) -> zoneinfo.ZoneInfo:
    """The time zone by its name; UTC for an unknown or malformed name."""
    try:
        return zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def date_in(time_zone: str, now: datetime) -> date:
    """The date `now` falls on in the time zone (UTC when the zone is unknown)."""
    return now.astimezone(zone_of(time_zone)).date()
