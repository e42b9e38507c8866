"""Debt at the end of a month (DOMAIN.md §4, monthly statistics against earlier months).

A client's balance at the end of a month is payments minus charges over the entries booked
on or before its last day: minus the sum of the client account's money postings. The clock
is `booked_on`, the organisation's calendar day the money or the service belongs to (the
day a payment was made, the day of the lesson), which is also the day the month's revenue
and money received are counted by; `created_at` only says when someone typed it in, so a
payment made on the 31st and entered on the 2nd would wrongly leave the client in debt at
the month's end. The ledger is append-only: a cancellation is a reversal entry booked on
the day it is made, so cancelling later leaves an earlier month's debt as it was.

The debt at the end of a month is the sum of the negative balances (shown as a positive
amount owed), also per client's home branch.

A closed month is snapshotted once (month_ends.py): every client's balance at its end from
the entries written up to `counted_until`. An entry written after that and booked into the
month (a late mark, a backdated payment) is added when the figure is read. Such an entry is
always booked more than LATE_AFTER_DAYS before the UTC day it was written, because a
snapshot counts at least up to the start of the UTC day LATE_AFTER_DAYS + 1 days after the
month's last day (snapshot_from); so a partial index of those entries finds them
(models.LATE_ENTRY), and an entry booked on the day it is written, every ordinary payment
among them, is never in it. `counted_until` is MARGIN before the snapshot is taken, for
transactions still open then. Snapshots start at the month of the organisation's first
entry, so whatever is booked before the first snapshot's month was written after it: such
a month has only late entries.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from billing_svc.domain.periods import add_period

LATE_AFTER_DAYS = 1  # any organisation's today is at most a day behind the UTC day
MARGIN = timedelta(minutes=10)


def month_end(month: date) -> date:
    return add_period(month.replace(day=1), "month", 1) - timedelta(days=1)


def snapshot_from(month: date) -> datetime:
    """The earliest `counted_until` of the month's snapshot."""
    day = month_end(month) + timedelta(days=LATE_AFTER_DAYS + 1)
    return datetime.combine(day, time(), tzinfo=UTC)


def counted_until(now: datetime) -> datetime:
    """What a snapshot taken now counts: the entries written up to this time."""
    return now - MARGIN


def last_closed_month(now: datetime) -> date:
    """The latest month a snapshot may be taken of now."""
    month = counted_until(now).astimezone(UTC).date().replace(day=1)
    while snapshot_from(month) > counted_until(now):
        month = add_period(month, "month", -1)
    return month


def months_between(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = add_period(month, "month", 1)
    return months


@dataclass(frozen=True, slots=True)
class Debt:
    minor: int = 0  # owed: a positive amount
    clients: int = 0

    def __add__(self, other: Debt) -> Debt:
        return Debt(self.minor + other.minor, self.clients + other.clients)

    def __sub__(self, other: Debt) -> Debt:
        return Debt(self.minor - other.minor, self.clients - other.clients)


def debt_of(balance_minor: int) -> Debt:
    return Debt(-balance_minor, 1) if balance_minor < 0 else Debt()


def debts_by_branch(
    balances: Iterable[tuple[uuid.UUID | None, int]],
) -> dict[uuid.UUID | None, Debt]:
    """The debt per home branch from (branch, balance) pairs."""
    out: dict[uuid.UUID | None, Debt] = defaultdict(Debt)
    for branch, balance in balances:
        if balance < 0:
            out[branch] += debt_of(balance)
    return dict(out)


def total(debts: dict[uuid.UUID | None, Debt]) -> Debt:
    return sum(debts.values(), Debt())
