"""What happens when a pack's validity ends (DOMAIN.md §3: subscriptions repeat every period;
leftover classes burn or carry over at the end of the period).

Once the last day of a pack (`ends_on`, moved by freezes) is over in the organisation's
calendar, and neither the client nor the pack is frozen today:

- a subscription that renews by itself (auto_renew on, active, its client not archived)
  starts its next period the day after the end. Missed days catch up one period at a time,
  but a period never starts after today, so at most the current period is started. A
  client's freeze that meets the new period freezes it as it freezes the client's other
  packs (from the period's start at the earliest): its end moves by the frozen days;
- otherwise a pack whose leftover burns and that has classes left expires: the classes leave
  it and its status becomes "expired";
- otherwise (leftover carries, or nothing is left) nothing happens: carried classes wait for
  a renewal or an extension.

Cancelled, refunded and expired packs are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from billing_svc.domain.periods import Freeze, PeriodUnit, period_end

Outcome = Literal["renew", "expire"]


@dataclass(frozen=True, slots=True)
class PeriodEndState:
    kind: str
    status: str
    ends_on: date | None
    period_unit: PeriodUnit | None
    period_count: int | None
    auto_renew: bool
    leftover: str
    classes_left: int | None
    client_archived: bool
    frozen: bool  # the client or the pack, today


def renews(state: PeriodEndState) -> bool:
    return (
        state.kind == "subscription"
        and state.auto_renew
        and state.period_unit is not None
        and bool(state.period_count)
        and not state.client_archived
    )


def outcome_on(state: PeriodEndState, today: date) -> Outcome | None:
    if state.status != "active" or state.ends_on is None or state.ends_on >= today:
        return None
    if state.frozen:
        return None
    if renews(state):
        return "renew"
    if state.leftover == "burn" and state.classes_left:
        return "expire"
    return None


def client_freeze_in(
    start: date, end: date, frozen_from: date | None, frozen_until: date | None
) -> Freeze | None:
    """The part of the client's freeze a period starting on `start` and ending on `end`
    takes on, if the freeze meets it."""
    if frozen_from is None or frozen_until is None:
        return None
    first = max(frozen_from, start)
    if first > end or first > frozen_until:
        return None
    return Freeze(first, frozen_until)


def next_period(ends_on: date, unit: PeriodUnit, count: int) -> tuple[date, date]:
    """The period after one that ended on `ends_on`: its first and last day."""
    start = ends_on + timedelta(days=1)
    return start, period_end(start, unit, count)
