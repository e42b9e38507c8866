"""Monthly figures from the cached monthly totals and the month-end debts (debts.py), and
the pack report."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from billing_svc.access import branch_scope, can_report
from billing_svc.context import Context
from billing_svc.domain.month_ends import Debt, month_end, total
from billing_svc.domain.periods import add_period
from billing_svc.ledger.plan import NIL
from billing_svc.packs.base import PackReading
from billing_svc.packs.repository import PacksRepository
from billing_svc.reports import schemas
from billing_svc.reports.debts import MonthEndDebts
from billing_svc.reports.repository import ReportsRepository
from crm_platform.internal_auth import Principal


@dataclass
class Reports:
    ctx: Context

    async def monthly(
        self, principal: Principal, month: date | None, earlier_months: int
    ) -> schemas.MonthlyReport:
        tenant = can_report(principal)
        org = await self.ctx.organisation(tenant)
        today = self.ctx.today_in(org)
        first = (month or today).replace(day=1)
        oldest = add_period(first, "month", -earlier_months)
        scope = branch_scope(principal)
        rows = await ReportsRepository(self.ctx.session).monthly_totals(
            tenant, oldest, first, scope
        )
        totals: dict[tuple[date, str, str, uuid.UUID], int] = defaultdict(int)
        for m, measure, dim, dim_id, amount in rows:
            totals[(m, measure, dim, dim_id)] += int(amount)
            if scope is not None:
                totals[(m, measure, "all", NIL)] += int(amount)
        months = [add_period(first, "month", -back) for back in range(earlier_months + 1)]
        debts = await MonthEndDebts(self.ctx.session).at_ends(tenant, months, today, scope)

        def figure(m: date, dim: str, dim_id: uuid.UUID) -> tuple[int, int]:
            return totals[(m, "revenue", dim, dim_id)], totals[(m, "received", dim, dim_id)]

        def by(dim: str) -> list[schemas.DimensionFigure]:
            ids = sorted({k[3] for k in totals if k[0] == first and k[2] == dim}, key=str)
            out = []
            for dim_id in ids:
                revenue, received = figure(first, dim, dim_id)
                out.append(
                    schemas.DimensionFigure(
                        id=None if dim_id == NIL else dim_id,
                        revenue_minor=revenue,
                        received_minor=received,
                    )
                )
            return out

        def by_branch() -> list[schemas.BranchFigure]:
            owed = {b or NIL: d for b, d in debts[first].items() if d != Debt()}
            ids = {k[3] for k in totals if k[0] == first and k[2] == "branch"} | set(owed)
            out = []
            for dim_id in sorted(ids, key=str):
                revenue, received = figure(first, "branch", dim_id)
                debt = owed.get(dim_id, Debt())
                out.append(
                    schemas.BranchFigure(
                        id=None if dim_id == NIL else dim_id,
                        revenue_minor=revenue,
                        received_minor=received,
                        debt_minor=debt.minor,
                        clients_in_debt=debt.clients,
                    )
                )
            return out

        revenue, received = figure(first, "all", NIL)
        at_end = total(debts[first])
        now = (
            at_end  # the month is still running: its debt is today's
            if month_end(first) >= today
            else total(await ReportsRepository(self.ctx.session).debt_now(tenant, scope))
        )
        earlier = []
        for m in months[1:]:
            r, p = figure(m, "all", NIL)
            debt = total(debts[m])
            earlier.append(
                schemas.MonthFigures(
                    month=m,
                    revenue_minor=r,
                    received_minor=p,
                    debt_minor=debt.minor,
                    clients_in_debt=debt.clients,
                )
            )
        return schemas.MonthlyReport(
            month=first,
            currency=org.currency,
            revenue_minor=revenue,
            received_minor=received,
            debt_change_minor=revenue - received,
            debt_now_minor=now.minor,
            clients_in_debt=now.clients,
            month_end_debt_minor=at_end.minor,
            month_end_clients_in_debt=at_end.clients,
            by_branch=by_branch(),
            by_group=[] if scope is not None else by("group"),
            by_teacher=[] if scope is not None else by("teacher"),
            by_service=[] if scope is not None else by("service"),
            earlier=earlier,
        )

    async def packs(
        self,
        principal: Principal,
        *,
        from_date: date | None,
        to_date: date | None,
        client_id: uuid.UUID | None,
        cursor: str | None,
        limit: int,
    ) -> list[schemas.PackReportRow]:
        tenant = can_report(principal)
        org = await self.ctx.organisation(tenant)
        today = self.ctx.today_in(org)
        rows = await PacksRepository(self.ctx.session).report(
            tenant,
            today=today,
            from_date=from_date,
            to_date=to_date,
            client_id=client_id,
            branch_ids=branch_scope(principal),
            cursor=cursor,
            limit=limit,
        )
        packs = PackReading(self.ctx)
        out = []
        for pack in rows:
            read = await packs.read(org, pack)
            out.append(schemas.PackReportRow(**read.model_dump(), expired=not read.active))
        return out
