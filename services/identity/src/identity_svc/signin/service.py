"""Staff sign-in and the slowing of guesses that every sign-in shares; password reset and
the acceptance of an invitation. Flushes, never commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from crm_contracts.events.identity import PasswordResetRequestedV2
from crm_contracts.ids import uuid7
from crm_platform.errors import ProblemError
from crm_platform.sealing import seal
from identity_svc.access_events import emit_access
from identity_svc.context import Context
from identity_svc.domain.guesses import KNOWN_ADDRESS_FOR, wait_seconds
from identity_svc.domain.refusals import SignInRefusedError, TooManyAttemptsError
from identity_svc.domain.standing import refuse_if_suspended
from identity_svc.models import OneTimeToken
from identity_svc.organisation.repository import OrganisationRepository
from identity_svc.passwords import hash_password, verify_password
from identity_svc.signin import schemas
from identity_svc.signin.repository import SignInRepository
from identity_svc.staff.repository import StaffRepository
from identity_svc.tokens.opaque import digest, new_token
from identity_svc.tokens.schemas import Tokens
from identity_svc.tokens.service import TokenIssuer


@dataclass
class Guesses:
    ctx: Context

    async def check_password(
        self, account_key: str, address: str, stored_hash: str | None, password: str
    ) -> bool:
        """Guesses are slowed, not locked out: past a number of failures each attempt waits
        longer (see Settings.lockout_failures). An account that signed in from this address
        before is slowed only by failures on it from this address, so guesses elsewhere or
        on other accounts never keep its owner out."""
        repo = SignInRepository(self.ctx.session)
        now = self.ctx.now()
        s = self.ctx.settings
        since = now - timedelta(seconds=s.lockout_window_seconds)
        pair, address_key = f"{account_key}|addr:{address}", f"addr:{address}"
        await self.ctx.lock(account_key)
        known, _ = await repo.attempts_since(f"ok:{pair}", now - KNOWN_ADDRESS_FOR)
        limits = [(pair, s.lockout_failures)]
        if not known:
            limits += [(account_key, s.account_failures), (address_key, s.address_failures)]
        for key, free in limits:
            count, latest = await repo.attempts_since(key, since)
            wait = wait_seconds(
                count,
                latest,
                free,
                now,
                s.lockout_first_delay_seconds,
                s.lockout_max_delay_seconds,
            )
            if wait is not None:
                raise TooManyAttemptsError(wait)
        if await verify_password(stored_hash, password):
            for key in (pair, account_key, f"ok:{pair}"):
                await repo.clear_failures(key)
            await repo.add_failure(f"ok:{pair}", now)  # this address is known to it
            return True
        for key in (pair, account_key, address_key):
            await repo.add_failure(key, now)
        return False


@dataclass
class SignIn:
    ctx: Context

    @property
    def staff(self) -> StaffRepository:
        return StaffRepository(self.ctx.session)

    async def sign_in(self, body: schemas.SignIn, address: str) -> Tokens:
        email = body.email.lower()
        user = await self.staff.staff_by_email(email)
        ok = await Guesses(self.ctx).check_password(
            f"staff:{email}",
            address,
            user.password_hash if user and user.status == "active" else None,
            body.password,
        )
        if not ok or user is None:
            raise SignInRefusedError()
        refuse_if_suspended(
            await OrganisationRepository(self.ctx.session).organisation(user.tenant_id)
        )
        return await TokenIssuer(self.ctx).issue(
            "staff", user.id, user.tenant_id, uuid7(), {"role": user.role}, self.ctx.now()
        )

    # passwords: reset and invitations
    async def request_reset(self, body: schemas.ResetRequest) -> None:
        user = await self.staff.staff_by_email(body.email.lower())
        if user is None or user.status != "active":
            return
        settings = self.ctx.settings
        token = new_token()
        expires = self.ctx.now() + timedelta(minutes=settings.reset_ttl_minutes)
        self.ctx.session.add(
            OneTimeToken(
                token_hash=digest(token), purpose="reset", user_id=user.id, expires_at=expires
            )
        )
        await self.ctx.emit(
            user.tenant_id,
            user.id,
            PasswordResetRequestedV2(
                user_id=user.id,
                email=user.email,
                name=user.name,
                sealed_token=seal(settings.seal_public_key, "reset", token),
                expires_at=expires,
            ),
        )

    async def set_password(self, body: schemas.SetPassword, purpose: str) -> None:
        now = self.ctx.now()
        row = await SignInRepository(self.ctx.session).one_time_token(digest(body.token), purpose)
        if row is None or row.used_at is not None or row.expires_at <= now:
            raise ProblemError(400, "Bad Request", "this link is invalid or has expired")
        user = await self.staff.staff_by_id(row.user_id)
        if user is None or user.status == "deactivated":
            raise ProblemError(400, "Bad Request", "this link is invalid or has expired")
        row.used_at = now
        user.password_hash = await hash_password(body.password)
        user.version += 1
        await TokenIssuer(self.ctx).revoke_subject(user.id, now)
        if user.status == "invited":
            user.status = "active"
            grants = (await self.staff.grants([user.id]))[user.id]
            await emit_access(self.ctx, user, grants)
        await self.ctx.session.flush()
