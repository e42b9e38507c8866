"""Monthly figures from the cached monthly totals, and the pack report."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from billing_svc.access import branch_scope, can_report
from billing_svc.context import Context
from billing_svc.domain.periods import add_period
from billing_svc.ledger.repository import NIL
from billing_svc.models import Client, ClientBalance, MonthlyTotal
from billing_svc.packs.repository import PacksRepository
from billing_svc.packs.service import Packs
from billing_svc.reports import schemas
from crm_platform.internal_auth import Principal


@dataclass
class Reports:
    ctx: Context

    async def monthly(
        self, principal: Principal, month: date | None, earlier_months: int
    ) -> schemas.MonthlyReport:
        tenant = can_report(principal)
        org = await self.ctx.organisation(tenant)
        first = (month or self.ctx.today_in(org)).replace(day=1)
        oldest = add_period(first, "month", -earlier_months)
        scope = branch_scope(principal)
        t = MonthlyTotal
        query = (
            select(t.month, t.measure, t.dim, t.dim_id, func.sum(t.amount_minor))
            .where(t.tenant_id == tenant, t.month >= oldest, t.month <= first)
            .group_by(t.month, t.measure, t.dim, t.dim_id)
        )
        if scope is not None:
            # A branch-scoped caller sees its branches' rows only; organisation totals are
            # rebuilt from them.
            query = query.where(t.dim == "branch", t.dim_id.in_(scope))
        rows = (await self.ctx.session.execute(query)).all()
        totals: dict[tuple[date, str, str, uuid.UUID], int] = defaultdict(int)
        for m, measure, dim, dim_id, amount in rows:
            totals[(m, measure, dim, dim_id)] += int(amount)
            if scope is not None:
                totals[(m, measure, "all", NIL)] += int(amount)

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

        revenue, received = figure(first, "all", NIL)
        debt, in_debt = await self._debt_now(tenant, scope)
        earlier = []
        for back in range(1, earlier_months + 1):
            m = add_period(first, "month", -back)
            r, p = figure(m, "all", NIL)
            earlier.append(schemas.MonthFigures(month=m, revenue_minor=r, received_minor=p))
        return schemas.MonthlyReport(
            month=first,
            currency=org.currency,
            revenue_minor=revenue,
            received_minor=received,
            debt_change_minor=revenue - received,
            debt_now_minor=debt,
            clients_in_debt=in_debt,
            by_branch=by("branch"),
            by_group=[] if scope is not None else by("group"),
            by_teacher=[] if scope is not None else by("teacher"),
            by_service=[] if scope is not None else by("service"),
            earlier=earlier,
        )

    async def _debt_now(
        self, tenant: uuid.UUID, scope: frozenset[uuid.UUID] | None
    ) -> tuple[int, int]:
        query = select(func.coalesce(func.sum(ClientBalance.balance_minor), 0), func.count()).where(
            ClientBalance.tenant_id == tenant, ClientBalance.balance_minor < 0
        )
        if scope is not None:
            query = query.join(Client, Client.id == ClientBalance.client_id).where(
                Client.branch_id.in_(scope)
            )
        total, count = (await self.ctx.session.execute(query)).one()
        return -int(total), int(count)

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
        packs = Packs(self.ctx)
        out = []
        for pack in rows:
            read = await packs.read(org, pack)
            out.append(schemas.PackReportRow(**read.model_dump(), expired=not read.active))
        return out
