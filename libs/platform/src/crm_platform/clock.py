"""What "now" is: a service reads time from an injected clock (tests fix it), never from
datetime.now in its rules; and the date it is somewhere."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from datetime import UTC, date, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def date_in(time_zone: str, now: datetime) -> date:
    """The date `now` falls on in the time zone (UTC when the zone is unknown)."""
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return now.astimezone(zone).date()
