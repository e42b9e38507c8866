"""When money is due, and which reminder a due item needs today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Billing = Literal["prepaid", "postpaid"]
Notice = Literal["due_soon", "overdue"]


def due_date(
    *,
    kind: str,
    billing: Billing | None,
    starts_on: date,
    ends_on: date | None,
    credit_due_on: date | None,
) -> date:
    """Prepaid periods are due at their start, postpaid ones at their end; anything else sold
    on credit on its due date (or at its start when none was given)."""
    if kind == "subscription" and billing == "postpaid" and ends_on is not None:
        return ends_on
    if kind == "subscription":
        return starts_on
    return credit_due_on or starts_on


@dataclass(frozen=True, slots=True)
class DueState:
    due_on: date
    settled: bool
    frozen: bool
    soon_sent: bool
    overdue_sent: bool


def notices_due(state: DueState, today: date, soon_days: int) -> list[Notice]:
    """The reminders to send now: each at most once, none while frozen or settled."""
    if state.settled or state.frozen:
        return []
    out: list[Notice] = []
    if not state.soon_sent and state.due_on - timedelta(days=soon_days) <= today <= state.due_on:
        out.append("due_soon")
    if not state.overdue_sent and today > state.due_on:
        out.append("overdue")
    return out
