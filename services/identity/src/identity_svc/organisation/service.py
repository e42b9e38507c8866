"""Sign-up, the organisation's settings and its branches. Flushes, never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from crm_contracts.events.identity import (
    BranchUpdated,
    OrganisationRegistered,
    OrganisationUpdated,
)
from crm_contracts.ids import uuid7
from crm_contracts.locations import Location
from crm_contracts.plans import plan_limits
from crm_platform.errors import ConflictError, NotFoundError
from crm_platform.internal_auth import Principal, require_role
from crm_platform.preconditions import check_version
from identity_svc.access_events import branch_created, emit_access
from identity_svc.context import Context
from identity_svc.domain.standing import ensure_room, set_limits
from identity_svc.models import Branch, Organisation, StaffUser
from identity_svc.organisation import schemas
from identity_svc.organisation.repository import OrganisationRepository
from identity_svc.passwords import hash_password
from identity_svc.staff.repository import StaffRepository
from identity_svc.staff.schemas import staff_read
from identity_svc.tokens.service import TokenIssuer


@dataclass
class Organisations:
    ctx: Context

    @property
    def repo(self) -> OrganisationRepository:
        return OrganisationRepository(self.ctx.session)

    async def sign_up(self, body: schemas.SignUp, address: str) -> schemas.SignedUp:
        now = self.ctx.now()
        session = self.ctx.session
        email = body.owner.email.lower()
        if await StaffRepository(session).staff_by_email(email) is not None:
            raise ConflictError("this email cannot be used to sign up; sign in instead")
        org = Organisation(
            id=uuid7(),
            name=body.organisation.name,
            currency=body.organisation.currency,
            time_zone=body.organisation.time_zone,
            locale=body.organisation.locale,
            plan=self.ctx.settings.default_plan,
            status="active",
            version=1,
            created_at=now,
        )
        set_limits(org, plan_limits(org.plan))
        branch = Branch(
            id=uuid7(),
            tenant_id=org.id,
            name=body.branch_name,
            archived=False,
            version=1,
            created_at=now,
        )
        owner = StaffUser(
            id=uuid7(),
            tenant_id=org.id,
            email=email,
            name=body.owner.name,
            role="owner",
            status="active",
            password_hash=await hash_password(body.owner.password),
            finances_hidden=False,
            version=1,
            created_at=now,
        )
        session.add(org)
        await session.flush()
        session.add_all([branch, owner])
        try:
            await session.flush()
        except IntegrityError:
            raise ConflictError("this email cannot be used to sign up; sign in instead") from None
        await self.ctx.emit(
            org.id,
            org.id,
            OrganisationRegistered(
                organisation_id=org.id,
                name=org.name,
                currency=org.currency,
                time_zone=org.time_zone,
                locale=org.locale,
                first_branch_id=branch.id,
                owner_user_id=owner.id,
                plan=org.plan,
                max_active_clients=org.max_active_clients,
                max_branches=org.max_branches,
                max_staff=org.max_staff,
            ),
        )
        await self.ctx.emit(org.id, branch.id, branch_created(branch))
        await emit_access(self.ctx, owner, [])
        tokens = await TokenIssuer(self.ctx).issue(
            "staff", owner.id, org.id, uuid7(), {"role": owner.role}, now
        )
        return schemas.SignedUp(
            organisation=schemas.OrganisationRead.model_validate(org),
            branch=schemas.BranchRead.model_validate(branch),
            owner=staff_read(owner, []),
            tokens=tokens,
        )

    async def organisation(self, principal: Principal) -> Organisation:
        org = await self.repo.organisation(principal.require_tenant())
        if org is None:
            raise NotFoundError("organisation")
        return org

    async def update_organisation(
        self, principal: Principal, body: schemas.OrganisationUpdate, if_match: int | None
    ) -> Organisation:
        require_role(principal, "owner")
        org = await self.organisation(principal)
        check_version(org.version, if_match)
        for field, value in body.model_dump(exclude_unset=True).items():
            if value is not None:
                setattr(org, field, value)
        org.version += 1
        await self.ctx.session.flush()
        await self.ctx.emit(
            org.id,
            org.id,
            OrganisationUpdated(
                organisation_id=org.id,
                name=org.name,
                currency=org.currency,
                time_zone=org.time_zone,
                locale=org.locale,
                plan=org.plan,
            ),
        )
        return org

    # branches
    async def create_branch(self, principal: Principal, body: schemas.BranchCreate) -> Branch:
        require_role(principal, "owner")
        tenant = principal.require_tenant()
        org = await self.organisation(principal)
        await self.ctx.lock(f"plan:{tenant}")
        ensure_room(org, "branches", org.max_branches, await self.repo.count_branches(tenant))
        branch = Branch(
            id=uuid7(),
            tenant_id=tenant,
            name=body.name,
            address=body.address,
            archived=False,
            version=1,
            created_at=self.ctx.now(),
        )
        self.ctx.session.add(branch)
        await self.ctx.session.flush()
        await self.ctx.emit(tenant, branch.id, branch_created(branch))
        return branch

    async def branches(self, principal: Principal, cursor: str | None, limit: int) -> list[Branch]:
        only = None if principal.all_branches else principal.branch_ids
        return list(await self.repo.branches(principal.require_tenant(), only, cursor, limit))

    async def branch(self, principal: Principal, branch_id: uuid.UUID) -> Branch:
        branch = await self.repo.branch(principal.require_tenant(), branch_id)
        if branch is None or not (principal.all_branches or branch_id in principal.branch_ids):
            raise NotFoundError("branch")
        return branch

    async def update_branch(
        self,
        principal: Principal,
        branch_id: uuid.UUID,
        body: schemas.BranchUpdate,
        if_match: int | None,
    ) -> Branch:
        require_role(principal, "owner")
        branch = await self.branch(principal, branch_id)
        check_version(branch.version, if_match)
        for field, value in body.model_dump(exclude_unset=True).items():
            if value is not None or field == "address":
                setattr(branch, field, value)
        branch.version += 1
        await self.ctx.session.flush()
        await self.ctx.emit(
            branch.tenant_id,
            branch.id,
            BranchUpdated(branch_id=branch.id, name=branch.name, archived=branch.archived),
        )
        return branch

    async def branch_location(self, branch_id: uuid.UUID) -> Location:
        branch = await self.repo.branch_any_tenant(branch_id)
        if branch is None:
            raise NotFoundError("branch")
        return Location(tenant_id=branch.tenant_id, branch_ids=[branch.id], group_ids=[])
