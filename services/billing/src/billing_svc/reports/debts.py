"""What clients owed at the end of months (the rules in domain/month_ends.py).

A month still running shows today's debt (the cached balances). An ended month reads its
snapshot and adds the entries booked into it after the snapshot counted (late entries,
through their own small index); a month before the first snapshot has only such entries.
An ended month without a snapshot yet (the first day or two after it ends, or before the
job first ran) starts from today's cached balances and takes back what was booked after
its end: the cost follows the entries booked since then.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.domain.month_ends import Debt, debt_of, debts_by_branch, month_end
from billing_svc.reports.repository import Branch, ReportsRepository

Debts = dict[Branch, Debt]
Scope = frozenset[uuid.UUID] | None


def _in(scope: Scope, branch: Branch) -> bool:
    return scope is None or branch in scope


@dataclass
class MonthEndDebts:
    session: AsyncSession

    @property
    def repo(self) -> ReportsRepository:
        return ReportsRepository(self.session)

    async def at_ends(
        self, tenant_id: uuid.UUID, months: Sequence[date], today: date, scope: Scope
    ) -> dict[date, Debts]:
        """The debt by home branch at the end of each month (first days), seen by `scope`."""
        out: dict[date, Debts] = {}
        ended = [m for m in months if month_end(m) < today]
        if len(ended) < len(months):
            now = await self.repo.debt_now(tenant_id, scope)
            out |= {m: now for m in months if m not in ended}
        if not ended:
            return out
        snapshots = await self.repo.snapshots(tenant_id)
        counted = {m: snapshots[m] for m in ended if m in snapshots}
        if snapshots:
            first = min(snapshots)
            counted |= {m: snapshots[first] for m in ended if m < first}
        if counted:
            out |= await self._from_snapshots(tenant_id, counted, set(snapshots), scope)
        live = [m for m in ended if m not in counted]
        if live:
            out |= await self._live(tenant_id, live, scope)
        return out

    async def _from_snapshots(
        self,
        tenant_id: uuid.UUID,
        counted: dict[date, datetime],
        taken: set[date],
        scope: Scope,
    ) -> dict[date, Debts]:
        """Snapshots plus the entries booked into their months after they were taken."""
        months = [m for m in counted if m in taken]
        out = await self.repo.snapshot_debts(tenant_id, months, scope)
        out |= {m: {} for m in counted if m not in taken}
        late = await self.repo.late_movements(
            tenant_id, min(counted.values()), max(month_end(m) for m in counted)
        )
        moved: dict[date, dict[uuid.UUID, int]] = defaultdict(lambda: defaultdict(int))
        for month, until in counted.items():
            end = month_end(month)
            for m in late:
                if m.booked_on <= end and m.created_at > until:
                    moved[month][m.client_id] += m.amount
        clients = {c for per_client in moved.values() for c in per_client}
        if not clients:
            return out
        before = await self.repo.snapshot_balances_of(tenant_id, months, clients)
        branches = await self.repo.client_branches(tenant_id, clients)
        for month, per_client in moved.items():
            debts = out[month]
            for client, amount in per_client.items():
                branch, old = before.get((month, client), (branches.get(client), 0))
                if amount == 0 or not _in(scope, branch):
                    continue
                changed = debts.get(branch, Debt()) + debt_of(old - amount) - debt_of(old)
                debts[branch] = changed
        return out

    async def _live(
        self, tenant_id: uuid.UUID, months: list[date], scope: Scope
    ) -> dict[date, Debts]:
        """From today's cached balances back to each month's end."""
        balances, after = await self.repo.balances_before(tenant_id, [month_end(m) for m in months])
        unknown = set(after) - set(balances)
        branches = await self.repo.client_branches(tenant_id, unknown) if unknown else {}
        for client in unknown:
            balances[client] = (branches.get(client), 0)
        zeros = [0] * len(months)
        return {
            month: debts_by_branch(
                (branch, balance + after.get(client, zeros)[n])
                for client, (branch, balance) in balances.items()
                if _in(scope, branch)
            )
            for n, month in enumerate(months)
        }
