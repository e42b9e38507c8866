"""Quiet hours: non-urgent messages wait for the end of the organisation's quiet window,
in its own time zone (never dropped). The end is found as a wall-clock time on the local
calendar and only then turned into UTC, so a night across a daylight-saving change still
ends at 09:00 local."""

from __future__ import annotations

import zoneinfo
from datetime import datetime, time, timedelta

DEFAULT_QUIET_HOURS = ("21:00", "09:00")


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_until(
    now: datetime, time_zone: zoneinfo.ZoneInfo, start: time, end: time
) -> datetime | None:
    """When the quiet window `now` falls in ends (UTC), or None when it is not quiet."""
    if start == end:
        return None
    local = now.astimezone(time_zone)
    clock = local.time().replace(tzinfo=None)
    crosses_midnight = start > end
    quiet = (clock >= start or clock < end) if crosses_midnight else (start <= clock < end)
    if not quiet:
        return None
    day = local.date()
    if crosses_midnight and clock >= start:
        day += timedelta(days=1)
    ends = datetime.combine(day, end, tzinfo=time_zone)
    # a wall-clock time skipped by the change to summer time: the first moment after it
    ends = ends.astimezone(zoneinfo.ZoneInfo("UTC")).astimezone(time_zone)
    return ends.astimezone(zoneinfo.ZoneInfo("UTC"))
