"""Every query of the identity service. Staff-facing reads are scoped by tenant."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.pagination import keyset
from crm_platform.scope import Scope
from identity_svc.models import (
    Branch,
    ClientCard,
    Grant,
    Group,
    OneTimeToken,
    Operator,
    Organisation,
    PortalAccount,
    RefreshToken,
    SignInFailure,
    StaffUser,
)


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # organisations and branches
    async def organisation(self, tenant_id: uuid.UUID) -> Organisation | None:
        return await self.session.get(Organisation, tenant_id)

    async def branch(self, tenant_id: uuid.UUID, branch_id: uuid.UUID) -> Branch | None:
        row = await self.session.get(Branch, branch_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def branch_any_tenant(self, branch_id: uuid.UUID) -> Branch | None:
        """Only for the gateway's system lookups, which need the owning tenant."""
        return await self.session.get(Branch, branch_id)

    async def branches(
        self,
        tenant_id: uuid.UUID,
        only: frozenset[uuid.UUID] | None,
        cursor: str | None,
        limit: int,
    ) -> Sequence[Branch]:
        query = select(Branch).where(Branch.tenant_id == tenant_id)
        if only is not None:
            query = query.where(Branch.id.in_(only))
        rows = await self.session.execute(keyset(query, Branch.id, cursor, limit))
        return list(rows.scalars().all())

    async def branch_ids(self, tenant_id: uuid.UUID, ids: set[uuid.UUID]) -> set[uuid.UUID]:
        if not ids:
            return set()
        rows = await self.session.execute(
            select(Branch.id).where(Branch.tenant_id == tenant_id, Branch.id.in_(ids))
        )
        return set(rows.scalars().all())

    async def organisations(self, cursor: str | None, limit: int) -> Sequence[Organisation]:
        """Every organisation: only operators list them."""
        rows = await self.session.execute(
            keyset(select(Organisation), Organisation.id, cursor, limit)
        )
        return list(rows.scalars().all())

    async def organisation_for_update(self, tenant_id: uuid.UUID) -> Organisation | None:
        rows = await self.session.execute(
            select(Organisation).where(Organisation.id == tenant_id).with_for_update()
        )
        return rows.scalar_one_or_none()

    async def count_branches(self, tenant_id: uuid.UUID) -> int:
        query = select(func.count()).where(
            Branch.tenant_id == tenant_id, Branch.archived.is_(False)
        )
        return int((await self.session.execute(query)).scalar_one())

    async def count_staff(self, tenant_id: uuid.UUID) -> int:
        query = select(func.count()).where(
            StaffUser.tenant_id == tenant_id, StaffUser.status != "deactivated"
        )
        return int((await self.session.execute(query)).scalar_one())

    async def count_active_clients(self, tenant_id: uuid.UUID) -> int:
        query = select(func.count()).where(
            ClientCard.tenant_id == tenant_id, ClientCard.archived.is_(False)
        )
        return int((await self.session.execute(query)).scalar_one())

    async def client_card(self, client_id: uuid.UUID) -> ClientCard | None:
        return await self.session.get(ClientCard, client_id)

    # operators
    async def operator(self, operator_id: uuid.UUID) -> Operator | None:
        return await self.session.get(Operator, operator_id)

    async def operator_by_email(self, email: str) -> Operator | None:
        rows = await self.session.execute(select(Operator).where(Operator.email == email))
        return rows.scalar_one_or_none()

    # staff
    async def staff(self, tenant_id: uuid.UUID, user_id: uuid.UUID) -> StaffUser | None:
        row = await self.session.get(StaffUser, user_id)
        return row if row is not None and row.tenant_id == tenant_id else None

    async def staff_by_id(self, user_id: uuid.UUID) -> StaffUser | None:
        return await self.session.get(StaffUser, user_id)

    async def staff_by_email(self, email: str) -> StaffUser | None:
        rows = await self.session.execute(select(StaffUser).where(StaffUser.email == email))
        return rows.scalar_one_or_none()

    async def staff_list(self, scope: Scope, cursor: str | None, limit: int) -> Sequence[StaffUser]:
        query = select(StaffUser).where(self.staff_in_scope(scope))
        rows = await self.session.execute(keyset(query, StaffUser.id, cursor, limit))
        return list(rows.scalars().all())

    async def staff_visible(self, scope: Scope, user_id: uuid.UUID) -> bool:
        found = await self.session.scalar(
            select(StaffUser.id).where(StaffUser.id == user_id, self.staff_in_scope(scope))
        )
        return found is not None

    def staff_in_scope(self, scope: Scope) -> ColumnElement[bool]:
        """Staff working where the caller sees: everyone for the owner; for a branch admin,
        the owner, staff of the whole organisation, and those granted one of the admin's
        branches or a group in one of them."""
        tenant = StaffUser.tenant_id == scope.tenant_id
        if scope.all_branches:
            return tenant
        granted = select(Grant.user_id).where(
            Grant.tenant_id == scope.tenant_id, self.grant_in_scope(scope)
        )
        return and_(tenant, or_(StaffUser.role == "owner", StaffUser.id.in_(granted)))

    def grant_in_scope(self, scope: Scope) -> ColumnElement[bool]:
        branches = sorted(scope.branch_ids)
        groups_there = select(Group.id).where(
            Group.tenant_id == scope.tenant_id, Group.branch_id.in_(branches)
        )
        return or_(
            Grant.scope == "organisation",
            and_(Grant.scope == "branch", Grant.scope_id.in_(branches)),
            and_(Grant.scope == "group", Grant.scope_id.in_(groups_there)),
        )

    async def grants_in_scope(
        self, scope: Scope, user_ids: Sequence[uuid.UUID]
    ) -> dict[uuid.UUID, list[Grant]]:
        """Each user's grants, as far as the caller sees them."""
        if scope.all_branches:
            return await self.grants(user_ids)
        out: dict[uuid.UUID, list[Grant]] = {u: [] for u in user_ids}
        rows = await self.session.execute(
            select(Grant)
            .where(Grant.user_id.in_(user_ids), self.grant_in_scope(scope))
            .order_by(Grant.scope, Grant.scope_id)
        )
        for grant in rows.scalars().all():
            out[grant.user_id].append(grant)
        return out

    async def keep_group(
        self, tenant_id: uuid.UUID, group_id: uuid.UUID, branch_id: uuid.UUID, at: datetime
    ) -> None:
        """The group's branch as the newest journal event says."""
        group = await self.session.get(Group, group_id)
        if group is None:
            self.session.add(Group(id=group_id, tenant_id=tenant_id, branch_id=branch_id, as_of=at))
        elif group.tenant_id == tenant_id and group.as_of <= at:
            group.branch_id, group.as_of = branch_id, at

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
        from crm_contracts.ids import uuid7

        await self.session.execute(delete(Grant).where(Grant.user_id == user_id))
        for scope, scope_id in sorted(grants, key=lambda g: (g[0], str(g[1]))):
            self.session.add(
                Grant(
                    id=uuid7(), tenant_id=tenant_id, user_id=user_id, scope=scope, scope_id=scope_id
                )
            )
        await self.session.flush()

    # portal accounts
    async def portal_account(self, tenant_id: uuid.UUID, login: str) -> PortalAccount | None:
        rows = await self.session.execute(
            select(PortalAccount).where(
                PortalAccount.tenant_id == tenant_id, PortalAccount.login == login
            )
        )
        return rows.scalar_one_or_none()

    async def portal_account_by_id(self, account_id: uuid.UUID) -> PortalAccount | None:
        return await self.session.get(PortalAccount, account_id)

    # refresh tokens
    async def refresh_token(self, token_hash: bytes) -> RefreshToken | None:
        rows = await self.session.execute(
            select(RefreshToken).where(RefreshToken.token_hash == token_hash).with_for_update()
        )
        return rows.scalar_one_or_none()

    async def revoke_family(self, family_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    async def revoke_subject(self, subject_id: uuid.UUID, now: datetime) -> None:
        await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.subject_id == subject_id, RefreshToken.revoked_at.is_(None))
            .values(revoked_at=now)
        )

    # one-time tokens
    async def one_time_token(self, token_hash: bytes, purpose: str) -> OneTimeToken | None:
        rows = await self.session.execute(
            select(OneTimeToken)
            .where(OneTimeToken.token_hash == token_hash, OneTimeToken.purpose == purpose)
            .with_for_update()
        )
        return rows.scalar_one_or_none()

    # sign-in failures
    async def lock_key(self, key: str) -> None:
        """Serialise sign-ins of one account, so concurrent guesses are all counted."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"), {"k": key}
            )

    async def attempts_since(self, key: str, since: datetime) -> tuple[int, datetime | None]:
        """How many rows `key` has since `since`, and the latest."""
        row = (
            await self.session.execute(
                select(func.count(), func.max(SignInFailure.at)).where(
                    SignInFailure.key == key, SignInFailure.at > since
                )
            )
        ).one()
        return int(row[0]), row[1]

    async def add_failure(self, key: str, at: datetime) -> None:
        self.session.add(SignInFailure(key=key, at=at))
        await self.session.flush()

    async def clear_failures(self, key: str) -> None:
        await self.session.execute(delete(SignInFailure).where(SignInFailure.key == key))
