"""Identity use cases: sign-up, sign-in, tokens, staff, branches, grants. Flushes, never commits."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.events.identity import (
    AccessChanged,
    BranchCreated,
    BranchUpdated,
    OrganisationRegistered,
    OrganisationUpdated,
    PasswordResetRequestedV2,
    StaffInvitedV2,
)
from crm_contracts.ids import uuid7
from crm_contracts.plans import plan_limits
from crm_contracts.registry import EventPayload
from crm_contracts.tokens import REALMS, Realm
from crm_messaging import Outbox
from crm_platform.errors import ConflictError, NotFoundError, ProblemError, invalid_fields
from crm_platform.internal_auth import Principal, require_role
from crm_platform.preconditions import check_version
from crm_platform.scope import Scope
from crm_platform.sealing import seal
from identity_svc import schemas
from identity_svc.keys import Keys
from identity_svc.logins import normalise_login
from identity_svc.models import (
    Branch,
    Grant,
    OneTimeToken,
    Organisation,
    PortalAccount,
    RefreshToken,
    StaffUser,
)
from identity_svc.opaque import digest, new_token
from identity_svc.passwords import hash_password, verify_password
from identity_svc.repository import Repository
from identity_svc.settings import Settings
from identity_svc.standing import ensure_room, refuse_if_suspended, set_limits

# Which grant scopes each role takes; an owner sees the whole organisation.
ROLE_SCOPES: dict[str, set[str]] = {
    "owner": set(),
    "admin": {"branch"},
    "accountant": {"branch"},
    "teacher": {"group", "branch"},
}
INVALID_CREDENTIALS = "invalid email or password"
# An address an account signed in from is known to it for this long.
KNOWN_ADDRESS_FOR = timedelta(days=30)


class TooManyAttemptsError(ProblemError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(
            429,
            "Too Many Requests",
            "too many failed sign-ins; try again later",
            headers={"Retry-After": str(retry_after)},
        )


class SignInRefusedError(ProblemError):
    """Refusals whose bookkeeping (failure counts, revocations) must still be committed."""

    def __init__(self, detail: str = INVALID_CREDENTIALS) -> None:
        super().__init__(401, "Unauthorized", detail, keep_changes=True)


@dataclass
class Identity:
    session: AsyncSession
    settings: Settings
    keys: Keys
    outbox: Outbox

    @property
    def repo(self) -> Repository:
        return Repository(self.session)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    async def _emit(self, tenant_id: uuid.UUID, subject: uuid.UUID, payload: EventPayload) -> None:
        await self.outbox.emit(self.session, payload, tenant_id=tenant_id, subject=subject)

    # sign-up and organisation
    async def sign_up(self, body: schemas.SignUp, address: str) -> schemas.SignedUp:
        now = self.now()
        email = body.owner.email.lower()
        if await self.repo.staff_by_email(email) is not None:
            raise ConflictError("this email cannot be used to sign up; sign in instead")
        org = Organisation(
            id=uuid7(),
            name=body.organisation.name,
            currency=body.organisation.currency,
            time_zone=body.organisation.time_zone,
            locale=body.organisation.locale,
            plan=self.settings.default_plan,
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
        self.session.add(org)
        await self.session.flush()
        self.session.add_all([branch, owner])
        try:
            await self.session.flush()
        except IntegrityError:
            raise ConflictError("this email cannot be used to sign up; sign in instead") from None
        await self._emit(
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
        await self._emit(org.id, branch.id, BranchCreated(branch_id=branch.id, name=branch.name))
        await self._emit_access(owner, [])
        tokens = await self._issue("staff", owner.id, org.id, uuid7(), {"role": owner.role}, now)
        return schemas.SignedUp(
            organisation=schemas.OrganisationRead.model_validate(org),
            branch=schemas.BranchRead.model_validate(branch),
            owner=self._staff_read(owner, []),
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
        await self.session.flush()
        await self._emit(
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
        await self.repo.lock_key(f"plan:{tenant}")
        ensure_room(org, "branches", org.max_branches, await self.repo.count_branches(tenant))
        branch = Branch(
            id=uuid7(),
            tenant_id=tenant,
            name=body.name,
            address=body.address,
            archived=False,
            version=1,
            created_at=self.now(),
        )
        self.session.add(branch)
        await self.session.flush()
        await self._emit(tenant, branch.id, BranchCreated(branch_id=branch.id, name=branch.name))
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
        await self.session.flush()
        await self._emit(
            branch.tenant_id,
            branch.id,
            BranchUpdated(branch_id=branch.id, name=branch.name, archived=branch.archived),
        )
        return branch

    # staff
    async def create_staff(
        self, principal: Principal, body: schemas.StaffCreate
    ) -> schemas.StaffRead:
        require_role(principal, "owner")
        tenant = principal.require_tenant()
        grants = await self._valid_grants(tenant, body.role, body.grants)
        org = await self.organisation(principal)
        await self.repo.lock_key(f"plan:{tenant}")
        ensure_room(org, "staff users", org.max_staff, await self.repo.count_staff(tenant))
        email = body.email.lower()
        now = self.now()
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
        self.session.add(user)
        try:
            await self.session.flush()
        except IntegrityError:
            raise ConflictError("a staff user with this email already exists") from None
        await self.repo.replace_grants(tenant, user.id, grants)
        if not body.password:
            token = new_token()
            expires = now + timedelta(hours=self.settings.invite_ttl_hours)
            self.session.add(
                OneTimeToken(
                    token_hash=digest(token), purpose="invite", user_id=user.id, expires_at=expires
                )
            )
            await self._emit(
                tenant,
                user.id,
                StaffInvitedV2(
                    user_id=user.id,
                    email=user.email,
                    name=user.name,
                    role=user.role,
                    sealed_token=seal(self.settings.seal_public_key, "invite", token),
                    expires_at=expires,
                ),
            )
        saved = (await self.repo.grants([user.id]))[user.id]
        await self._emit_access(user, saved)
        return self._staff_read(user, saved)

    async def staff_list(
        self, principal: Principal, cursor: str | None, limit: int
    ) -> list[schemas.StaffRead]:
        require_role(principal, "owner", "admin")
        scope = Scope.of(principal)
        users = list(await self.repo.staff_list(scope, cursor, limit))
        grants = await self.repo.grants_in_scope(scope, [u.id for u in users])
        return [self._staff_read(u, grants[u.id]) for u in users]

    async def staff(self, principal: Principal, user_id: uuid.UUID) -> schemas.StaffRead:
        user = await self._staff_visible(principal, user_id)
        if principal.subject == str(user_id):
            return self._staff_read(user, (await self.repo.grants([user.id]))[user.id])
        grants = await self.repo.grants_in_scope(Scope.of(principal), [user.id])
        return self._staff_read(user, grants[user.id])

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
        await self.session.flush()
        await self._emit_access(user, grants)
        return self._staff_read(user, grants)

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
        return self._staff_read(user, saved)

    async def deactivate_staff(self, principal: Principal, user_id: uuid.UUID) -> schemas.StaffRead:
        require_role(principal, "owner")
        user = await self._staff_visible(principal, user_id)
        if user.role == "owner":
            raise ConflictError("the owner cannot be deactivated")
        user.status = "deactivated"
        user.version += 1
        await self.repo.revoke_subject(user.id, self.now())
        grants = (await self.repo.grants([user.id]))[user.id]
        await self._emit_access(user, grants)
        return self._staff_read(user, grants)

    async def access(self, user_id: uuid.UUID) -> schemas.AccessRead:
        user = await self.repo.staff_by_id(user_id)
        if user is None:
            raise NotFoundError("staff user")
        grants = (await self.repo.grants([user.id]))[user.id]
        return schemas.AccessRead(
            **self._access(user, grants).model_dump(), tenant_id=user.tenant_id
        )

    async def branch_location(self, branch_id: uuid.UUID) -> schemas.Location:
        branch = await self.repo.branch_any_tenant(branch_id)
        if branch is None:
            raise NotFoundError("branch")
        return schemas.Location(tenant_id=branch.tenant_id, branch_ids=[branch.id], group_ids=[])

    # sign-in and tokens
    async def sign_in(self, body: schemas.SignIn, address: str) -> schemas.Tokens:
        email = body.email.lower()
        user = await self.repo.staff_by_email(email)
        ok = await self._check_password(
            f"staff:{email}",
            address,
            user.password_hash if user and user.status == "active" else None,
            body.password,
        )
        if not ok or user is None:
            raise SignInRefusedError()
        refuse_if_suspended(await self.repo.organisation(user.tenant_id))
        return await self._issue(
            "staff", user.id, user.tenant_id, uuid7(), {"role": user.role}, self.now()
        )

    async def portal_sign_in(self, body: schemas.PortalSignIn, address: str) -> schemas.Tokens:
        if body.code is not None:
            from identity_svc.portal import PortalAccess

            return await PortalAccess(self).sign_in_with_code(body)
        login = normalise_login(body.login)
        account = await self.repo.portal_account(body.organisation_id, login)
        stored = account.password_hash if account and account.status == "active" else None
        ok = await self._check_password(
            f"portal:{body.organisation_id}:{login}", address, stored, body.password or ""
        )
        if not ok or account is None:
            raise SignInRefusedError("invalid login or password")
        return await self._issue(
            "portal",
            account.id,
            account.tenant_id,
            uuid7(),
            {"clients": account.client_ids.split()},
            self.now(),
        )

    async def _check_password(
        self, account_key: str, address: str, stored_hash: str | None, password: str
    ) -> bool:
        """Guesses are slowed, not locked out: past a number of failures each attempt waits
        longer (see Settings.lockout_failures). An account that signed in from this address
        before is slowed only by failures on it from this address, so guesses elsewhere or
        on other accounts never keep its owner out."""
        now = self.now()
        s = self.settings
        since = now - timedelta(seconds=s.lockout_window_seconds)
        pair, address_key = f"{account_key}|addr:{address}", f"addr:{address}"
        await self.repo.lock_key(account_key)
        known, _ = await self.repo.attempts_since(f"ok:{pair}", now - KNOWN_ADDRESS_FOR)
        limits = [(pair, s.lockout_failures)]
        if not known:
            limits += [(account_key, s.account_failures), (address_key, s.address_failures)]
        for key, free in limits:
            count, latest = await self.repo.attempts_since(key, since)
            if count >= free and latest is not None:
                delay = min(
                    s.lockout_first_delay_seconds * 2.0 ** (count - free),
                    s.lockout_max_delay_seconds,
                )
                wait = (latest - now).total_seconds() + delay
                if wait > 0:
                    raise TooManyAttemptsError(max(1, math.ceil(wait)))
        if await verify_password(stored_hash, password):
            for key in (pair, account_key, f"ok:{pair}"):
                await self.repo.clear_failures(key)
            await self.repo.add_failure(f"ok:{pair}", now)  # this address is known to it
            return True
        for key in (pair, account_key, address_key):
            await self.repo.add_failure(key, now)
        return False

    async def refresh(self, body: schemas.RefreshIn) -> schemas.Tokens:
        now = self.now()
        row = await self.repo.refresh_token(digest(body.refresh_token))
        if row is None:
            raise SignInRefusedError("invalid refresh token")
        if row.used_at is not None or row.revoked_at is not None:
            # A used token presented again: someone holds a copy. End the whole session.
            await self.repo.revoke_family(row.family_id, now)
            raise SignInRefusedError("invalid refresh token")
        if row.expires_at <= now:
            raise SignInRefusedError("invalid refresh token")
        row.used_at = now
        extra = await self._subject_claims(row.realm, row.subject_id)
        if extra is None:
            await self.repo.revoke_family(row.family_id, now)
            raise SignInRefusedError("invalid refresh token")
        realm = cast(Realm, row.realm if row.realm in REALMS else "staff")
        return await self._issue(realm, row.subject_id, row.tenant_id, row.family_id, extra, now)

    async def sign_out(self, body: schemas.RefreshIn) -> None:
        row = await self.repo.refresh_token(digest(body.refresh_token))
        if row is not None:
            await self.repo.revoke_family(row.family_id, self.now())

    async def _subject_claims(self, realm: str, subject_id: uuid.UUID) -> dict[str, object] | None:
        if realm == "portal":
            account = await self.repo.portal_account_by_id(subject_id)
            if account is None or account.status != "active":
                return None
            return {"clients": account.client_ids.split()}
        if realm == "operator":
            operator = await self.repo.operator(subject_id)
            return {} if operator is not None and operator.status == "active" else None
        user = await self.repo.staff_by_id(subject_id)
        if user is None or user.status != "active":
            return None
        refuse_if_suspended(await self.repo.organisation(user.tenant_id))
        return {"role": user.role}

    async def _issue(
        self,
        realm: Realm,
        subject: uuid.UUID,
        tenant_id: uuid.UUID | None,
        family_id: uuid.UUID,
        extra: dict[str, object],
        now: datetime,
    ) -> schemas.Tokens:
        refresh = new_token()
        self.session.add(
            RefreshToken(
                id=uuid7(),
                token_hash=digest(refresh),
                family_id=family_id,
                realm=realm,
                subject_id=subject,
                tenant_id=tenant_id,
                expires_at=now + timedelta(days=self.settings.refresh_token_ttl_days),
                created_at=now,
            )
        )
        await self.session.flush()
        access = await self.keys.sign_access_token(
            self.session,
            realm=realm,
            issuer=self.settings.token_issuer,
            subject=subject,
            tenant_id=tenant_id,
            session_id=family_id,
            extra=extra,
            now=now,
        )
        return schemas.Tokens(
            access_token=access,
            expires_in=self.settings.access_token_ttl_seconds,
            refresh_token=refresh,
        )

    # passwords: reset and invitations
    async def request_reset(self, body: schemas.ResetRequest) -> None:
        user = await self.repo.staff_by_email(body.email.lower())
        if user is None or user.status != "active":
            return
        token = new_token()
        expires = self.now() + timedelta(minutes=self.settings.reset_ttl_minutes)
        self.session.add(
            OneTimeToken(
                token_hash=digest(token), purpose="reset", user_id=user.id, expires_at=expires
            )
        )
        await self._emit(
            user.tenant_id,
            user.id,
            PasswordResetRequestedV2(
                user_id=user.id,
                email=user.email,
                name=user.name,
                sealed_token=seal(self.settings.seal_public_key, "reset", token),
                expires_at=expires,
            ),
        )

    async def set_password(self, body: schemas.SetPassword, purpose: str) -> None:
        now = self.now()
        row = await self.repo.one_time_token(digest(body.token), purpose)
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise ProblemError(400, "Bad Request", "this link is invalid or has expired")
        user = await self.repo.staff_by_id(row.user_id)
        if user is None or user.status == "deactivated":
            raise ProblemError(400, "Bad Request", "this link is invalid or has expired")
        row.used_at = now
        user.password_hash = await hash_password(body.password)
        user.version += 1
        await self.repo.revoke_subject(user.id, now)
        if user.status == "invited":
            user.status = "active"
            await self._emit_access(user, (await self.repo.grants([user.id]))[user.id])
        await self.session.flush()

    # portal accounts
    async def create_portal_account(
        self, body: schemas.PortalAccountCreate
    ) -> schemas.PortalAccountRead:
        if await self.repo.organisation(body.tenant_id) is None:
            raise NotFoundError("organisation")
        login = normalise_login(body.login)
        if await self.repo.portal_account(body.tenant_id, login) is not None:
            raise ConflictError("a portal account with this login already exists")
        account = PortalAccount(
            id=uuid7(),
            tenant_id=body.tenant_id,
            login=login,
            client_ids=" ".join(str(c) for c in body.client_ids),
            password_hash=await hash_password(body.password),
            status="active",
            created_at=self.now(),
        )
        self.session.add(account)
        await self.session.flush()
        return schemas.PortalAccountRead(
            id=account.id,
            tenant_id=account.tenant_id,
            login=account.login,
            client_ids=body.client_ids,
        )

    # helpers
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
        allowed = ROLE_SCOPES[role]
        errors = [
            (
                f"grants.{i}.scope",
                f"a {role} takes grants of scope {', '.join(sorted(allowed)) or 'none'}",
            )
            for i, g in enumerate(grants)
            if g.scope not in allowed
        ]
        branch_ids = {g.scope_id for g in grants if g.scope == "branch"}
        known = await self.repo.branch_ids(tenant_id, branch_ids)
        errors += [
            (f"grants.{i}.scope_id", "no such branch")
            for i, g in enumerate(grants)
            if g.scope == "branch" and g.scope_id not in known
        ]
        if errors:
            raise invalid_fields(errors, detail="invalid grants")
        return {(g.scope, g.scope_id) for g in grants}

    def _access(self, user: StaffUser, grants: list[Grant]) -> AccessChanged:
        return AccessChanged(
            user_id=user.id,
            role=user.role,
            status=user.status,
            finances_hidden=user.finances_hidden and user.role == "teacher",
            organisation_wide=user.role == "owner",
            branch_ids=sorted({g.scope_id for g in grants if g.scope == "branch"}),
            group_ids=sorted({g.scope_id for g in grants if g.scope == "group"}),
            email=user.email,
            name=user.name,
        )

    async def _emit_access(self, user: StaffUser, grants: list[Grant]) -> None:
        await self._emit(user.tenant_id, user.id, self._access(user, grants))

    @staticmethod
    def _staff_read(user: StaffUser, grants: list[Grant]) -> schemas.StaffRead:
        return schemas.StaffRead(
            id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            status=user.status,
            finances_hidden=user.finances_hidden,
            version=user.version,
            created_at=user.created_at,
            grants=[schemas.GrantRead(scope=g.scope, scope_id=g.scope_id) for g in grants],
        )
