"""Queries of staff users and their grants; staff-facing reads are scoped by tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.ids import uuid7
from crm_platform.pagination import keyset
from crm_platform.scope import Scope
from identity_svc.access import grant_in_scope, staff_in_scope
from identity_svc.models import Grant, StaffUser


class StaffRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def staff(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> StaffUser | None:
        row = await self.session.get(StaffUser, user_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def staff_by_id(self, user_id: uuid.UUID) -> StaffUser | None:
        return await self.session.get(StaffUser, user_id)

    async def staff_by_email(self, email: str) -> StaffUser | None:
        rows = await self.session.execute(select(StaffUser).where(StaffUser.email == email))
        return rows.scalar_one_or_none()

    async def staff_list(self, scope: Scope, cursor: str | None, limit: int) -> Sequence[StaffUser]:
        query = select(StaffUser).where(staff_in_scope(scope))
        rows = await self.session.execute(keyset(query, StaffUser.id, cursor, limit))
        return list(rows.scalars().all())

    async def staff_visible(self, scope: Scope, user_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(StaffUser.id).where(StaffUser.id == user_id, staff_in_scope(scope))
        )
        return found is not None

    async def count_staff(self, tenant_id: uuid.UUID) -> int:
        query = select(func.count()).where(
            StaffUser.tenant_id == tenant_id, StaffUser.status != "deactivated"
        )
        return int((await self.session.execute(query)).scalar_one())

    async def grants_in_scope(
        self, scope: Scope, user_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[Grant]]:
        """Each user's grants, as far as the caller sees them."""
        if scope.all_branches:
            return await self.grants(user_ids)
        out: dict[uuid.UUID, list[Grant]] = {u: [] for u in user_ids}
        rows = await self.session.execute(
            select(Grant)
            .where(Grant.user_id.in_(user_ids), grant_in_scope(scope))
            .order_by(Grant.scope, Grant.scope_id)
        )
        for grant in rows.scalars().all():
            out[grant.user_id].append(grant)
        return out

    async def grants(self, user_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, list[Grant]]:
        out: dict[uuid.UUID, list[Grant]] = {u: [] for u in user_ids}
        if not user_ids:
            return out
        rows = await self.session.execute(
            select(Grant).where(Grant.user_id.in_(user_ids)).order_by(Grant.scope, Grant.scope_id)
        )
        for grant in rows.scalars().all():
            out[grant.user_id].append(grant)
        return out

    async def replace_grants(
        self, tenant_id: uuid.UUID, user_id: uuid.UUID, grants: set[tuple[str, uuid.UUID]]
    ) -> None:
        await self.session.execute(delete(Grant).where(Grant.user_id == user_id))
        for scope, scope_id in sorted(grants, key=lambda g: (g[0], str(g[1]))):
            self.session.add(
                Grant(
                    id=uuid7(), tenant_id=tenant_id, user_id=user_id, scope=scope, scope_id=scope_id
                )
            )
        await self.session.flush()
