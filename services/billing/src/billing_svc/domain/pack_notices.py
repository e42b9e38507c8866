"""Which reminder a pack needs today: about to expire, or few classes left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

PackNotice = Literal["expiring", "running_low"]
# "Few classes left": this many or fewer, once some have been used.
RUNNING_LOW_CLASSES = 2


@dataclass(frozen=True, slots=True)
class PackState:
    active: bool  # sold and not cancelled, refunded or expired
    starts_on: date
    ends_on: date | None
    classes_total: int | None  # None: unlimited
    classes_left: int | None
    frozen: bool  # the pack or its client is frozen today
    expiring_sent: bool
    running_low_sent: bool
    # A subscription that starts its next period by itself at its end does not expire.
    renews: bool = False


def running_low(classes_total: int | None, classes_left: int | None) -> bool:
    return (
        classes_total is not None
        and classes_left is not None
        and classes_left <= RUNNING_LOW_CLASSES
        and classes_left < classes_total
    )


def pack_notices_due(state: PackState, today: date, lead_days: int) -> list[PackNotice]:
    """The reminders to send now: each at most once, none while frozen or not in use."""
    if not state.active or state.frozen or state.starts_on > today:
        return []
    if state.ends_on is not None and state.ends_on < today:
        return []
    out: list[PackNotice] = []
    if (
        not state.expiring_sent
        and not state.renews
        and state.ends_on is not None
        and state.ends_on - timedelta(days=lead_days) <= today
    ):
        out.append("expiring")
    if not state.running_low_sent and running_low(state.classes_total, state.classes_left):
        out.append("running_low")
    return out
