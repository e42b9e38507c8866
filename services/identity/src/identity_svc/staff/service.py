"""Staff users and their grants: invite or create, list what the caller sees, change the role,
replace grants, deactivate; what a user may reach, for the gateway. Flushes, never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError

from crm_contracts.events.identity import StaffInvitedV2
from crm_contracts.ids import uuid7
from crm_platform.errors import ConflictError, NotFoundError, invalid_fields
from crm_platform.internal_auth import Principal, require_role
from crm_platform.preconditions import check_version
from crm_platform.scope import Scope
from crm_platform.sealing import seal
from identity_svc.access_events import emit_access
from identity_svc.context import Context
from identity_svc.domain.grants import ROLE_SCOPES, access_changed, grant_errors
from identity_svc.domain.standing import ensure_room
from identity_svc.models import Grant, OneTimeToken, StaffUser
from identity_svc.organisation.repository import OrganisationRepository
from identity_svc.organisation.service import Organisations
from identity_svc.passwords import hash_password
from identity_svc.staff import schemas
from identity_svc.staff.repository import StaffRepository
from identity_svc.staff.schemas import staff_read
from identity_svc.tokens.opaque import digest, new_token
from identity_svc.tokens.service import TokenIssuer


@dataclass
class Staff:
    ctx: Context

    @property
    def repo(self) -> StaffRepository:
        return StaffRepository(self.ctx.session)

    async def create_staff(
        self, principal: Principal, body: schemas.StaffCreate
    ) -> schemas.StaffRead:
        require_role(principal, "owner")
        tenant = principal.require_tenant()
        grants = await self._valid_grants(tenant, body.role, body.grants)
        org = await Organisations(self.ctx).organisation(principal)
        await self.ctx.lock(f"plan:{tenant}")
        ensure_room(org, "staff users", org.max_staff, await self.repo.count_staff(tenant))
        email = body.email.lower()
        now = self.ctx.now()
        user = StaffUser(
            id=uuid7(),
            tenant_id=tenant,
            email=email,
            name=body.name,
            role=body.role,
            status="active" if body.password else "invited",
            password_hash=await hash_password(body.password) if body.password else None,
            finances_hidden=body.finances_hidden,
            version=1,
            created_at=now,
        )
        if await self.repo.staff_by_email(email) is not None:
            raise ConflictError("a staff user with this email already exists")
        self.ctx.session.add(user)
        try:
            await self.ctx.session.flush()
        except IntegrityError:
            raise ConflictError("a staff user with this email already exists") from None
        await self.repo.replace_grants(tenant, user.id, grants)
        if not body.password:
            token = new_token()
            expires = now + timedelta(hours=self.ctx.settings.invite_ttl_hours)
            self.ctx.session.add(
                OneTimeToken(
                    token_hash=digest(token), purpose="invite", user_id=user.id, expires_at=expires
                )
            )
            await self.ctx.emit(
                tenant,
                user.id,
                StaffInvitedV2(
                    user_id=user.id,
                    email=user.email,
                    name=user.name,
                    role=user.role,
                    sealed_token=seal(self.ctx.settings.seal_public_key, "invite", token),
                    expires_at=expires,
                ),
            )
        saved = (await self.repo.grants([user.id]))[user.id]
        await self._emit_access(user, saved)
        return staff_read(user, saved)

    async def staff_list(
        self, principal: Principal, cursor: str | None, limit: int
    ) -> list[schemas.StaffRead]:
        require_role(principal, "owner", "admin")
        scope = Scope.of(principal)
        users = list(await self.repo.staff_list(scope, cursor, limit))
        grants = await self.repo.grants_in_scope(scope, [u.id for u in users])
        return [staff_read(u, grants[u.id]) for u in users]

    async def staff(self, principal: Principal, user_id: uuid.UUID) -> schemas.StaffRead:
        user = await self._staff_visible(principal, user_id)
        if principal.subject == str(user_id):
            return staff_read(user, (await self.repo.grants([user.id]))[user.id])
        grants = await self.repo.grants_in_scope(Scope.of(principal), [user.id])
        return staff_read(user, grants[user.id])

    async def me(self, principal: Principal) -> schemas.StaffRead:
        if principal.realm != "staff":
            raise NotFoundError("staff user")
        return await self.staff(principal, uuid.UUID(principal.subject))

    async def update_staff(
        self,
        principal: Principal,
        user_id: uuid.UUID,
        body: schemas.StaffUpdate,
        if_match: int | None,
    ) -> schemas.StaffRead:
        require_role(principal, "owner")
        user = await self._staff_visible(principal, user_id)
        check_version(user.version, if_match)
        changes = body.model_dump(exclude_unset=True, exclude_none=True)
        if user.role == "owner" and changes.get("role", "owner") != "owner":
            raise ConflictError("the owner's role cannot be changed")
        if changes.get("role") == "owner" and user.role != "owner":
            raise ConflictError("an organisation has one owner")
        for field, value in changes.items():
            setattr(user, field, value)
        user.version += 1
        grants = (await self.repo.grants([user.id]))[user.id]
        if "role" in changes:
            allowed = ROLE_SCOPES[user.role]
            kept = {(g.scope, g.scope_id) for g in grants if g.scope in allowed}
            await self.repo.replace_grants(user.tenant_id, user.id, kept)
            grants = (await self.repo.grants([user.id]))[user.id]
        await self.ctx.session.flush()
        await self._emit_access(user, grants)
        return staff_read(user, grants)

    async def replace_grants(
        self, principal: Principal, user_id: uuid.UUID, body: schemas.GrantsReplace
    ) -> schemas.StaffRead:
        require_role(principal, "owner")
        user = await self._staff_visible(principal, user_id)
        grants = await self._valid_grants(user.tenant_id, user.role, body.grants)
        await self.repo.replace_grants(user.tenant_id, user.id, grants)
        user.version += 1
        saved = (await self.repo.grants([user.id]))[user.id]
        await self._emit_access(user, saved)
        return staff_read(user, saved)

    async def deactivate_staff(self, principal: Principal, user_id: uuid.UUID) -> schemas.StaffRead:
        require_role(principal, "owner")
        user = await self._staff_visible(principal, user_id)
        if user.role == "owner":
            raise ConflictError("the owner cannot be deactivated")
        user.status = "deactivated"
        user.version += 1
        await TokenIssuer(self.ctx).revoke_subject(user.id, self.ctx.now())
        grants = (await self.repo.grants([user.id]))[user.id]
        await self._emit_access(user, grants)
        return staff_read(user, grants)

    async def access(self, user_id: uuid.UUID) -> schemas.AccessRead:
        user = await self.repo.staff_by_id(user_id)
        if user is None:
            raise NotFoundError("staff user")
        grants = (await self.repo.grants([user.id]))[user.id]
        return schemas.AccessRead(
            **access_changed(user, grants).model_dump(), tenant_id=user.tenant_id
        )

    async def _staff_visible(self, principal: Principal, user_id: uuid.UUID) -> StaffUser:
        scope = Scope.of(principal)
        user = await self.repo.staff(scope.tenant_id, user_id)
        if user is not None and principal.subject == str(user_id):
            return user
        if (
            user is None
            or principal.role not in ("owner", "admin")
            or not await self.repo.staff_visible(scope, user_id)
        ):
            raise NotFoundError("staff user")
        return user

    async def _valid_grants(
        self, tenant_id: uuid.UUID, role: str, grants: list[schemas.GrantIn]
    ) -> set[tuple[str, uuid.UUID]]:
        branch_ids = {g.scope_id for g in grants if g.scope == "branch"}
        known = await OrganisationRepository(self.ctx.session).branch_ids(tenant_id, branch_ids)
        errors = grant_errors(role, [(g.scope, g.scope_id) for g in grants], known)
        if errors:
            raise invalid_fields(errors, detail="invalid grants")
        return {(g.scope, g.scope_id) for g in grants}

    async def _emit_access(self, user: StaffUser, grants: Sequence[Grant]) -> None:
        await emit_access(self.ctx, user, grants)
