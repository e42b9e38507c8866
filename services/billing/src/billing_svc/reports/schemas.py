"""Monthly figures and the pack report."""

from __future__ import annotations

import uuid
from datetime import date

from billing_svc.packs.schemas import PackRead
from billing_svc.schemas_common import Read


class Figure(Read):
    revenue_minor: int
    received_minor: int


class DimensionFigure(Figure):
    id: uuid.UUID | None  # None: not attributed (e.g. a payment has no group)


class BranchFigure(DimensionFigure):
    """Debt here is that of the clients whose home branch this is."""

    debt_minor: int
    clients_in_debt: int


class MonthFigures(Figure):
    month: date
    debt_minor: int  # owed at the end of the month (today for the month still running)
    clients_in_debt: int


class MonthlyReport(Read):
    """Revenue (charges less refunds and cancellations), money received (cancelled payments
    left out) and debts. `debt_now_minor` is what clients owe today (the sum of negative
    balances); `month_end_debt_minor` is what they owed at the end of the month, as it was
    then (today for the month still running), and the earlier months' `debt_minor` likewise;
    `debt_change_minor` is the month's revenue not matched by money
    received."""

    month: date
    currency: str
    revenue_minor: int
    received_minor: int
    debt_change_minor: int
    debt_now_minor: int
    clients_in_debt: int
    month_end_debt_minor: int
    month_end_clients_in_debt: int
    by_branch: list[BranchFigure]
    by_group: list[DimensionFigure]
    by_teacher: list[DimensionFigure]
    by_service: list[DimensionFigure]
    earlier: list[MonthFigures]


class PackReportRow(PackRead):
    expired: bool  # shown struck through
