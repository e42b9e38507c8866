"""Client portal accounts: one-time codes, sign-in by code, password reset by code, sign-up.

Codes are six digits, live minutes, are used once, and only the newest code of a login and
purpose counts; a code takes a few wrong tries, then it is spent. Issuing is rate-limited per
login and per caller address. Every answer is the same whether an account exists or not: a
code is simply not sent when there is nobody to send it to.

Sign-up: the person proves the email or phone with a code, then a pending account waits for
clients to decide whom it belongs to (identity.portal_signup_requested ->
clients.portal_signup_decided): linked to one active client, or not at all (a lead, an archived
card, several cards for the staff to review). A login that has an account never gets another.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.events.clients import PortalSignupDecided
from crm_contracts.events.identity import PortalCodeIssued, PortalSignupRequested
from crm_contracts.ids import uuid7
from crm_platform.errors import ProblemError
from crm_platform.sealing import seal
from identity_svc import schemas
from identity_svc.logins import channel_of, normalise_login
from identity_svc.models import PortalAccount, PortalCode
from identity_svc.passwords import hash_password
from identity_svc.service import Identity, SignInRefusedError, TooManyAttemptsError

Purpose = Literal["signin", "reset", "signup"]
SEAL_PURPOSE = "portal_code"
# Sign-ups clients did not link, which a new sign-up with a proven address asks about again.
RETRYABLE = ("lead", "refused", "review")
INVALID_CODE = "this code is invalid or has expired"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass
class PortalAccess:
    identity: Identity

    @property
    def session(self) -> AsyncSession:
        return self.identity.session

    def _hash(self, tenant_id: uuid.UUID, login: str, purpose: str, code: str) -> bytes:
        key = self.identity.settings.key_encryption_key.encode()
        message = f"{tenant_id}:{login}:{purpose}:{code}".encode()
        return hmac.new(key, message, hashlib.sha256).digest()

    async def _account(self, tenant_id: uuid.UUID, login: str) -> PortalAccount | None:
        return await self.identity.repo.portal_account(tenant_id, login)

    # codes
    async def request_code(self, body: schemas.PortalCodeRequest, address: str) -> None:
        tenant, login = body.organisation_id, normalise_login(body.login)
        settings = self.identity.settings
        now = self.identity.now()
        await self.identity.repo.lock_key(f"portal-code:{tenant}:{login}")
        window = now - timedelta(seconds=settings.portal_code_window_seconds)
        for condition, limit in (
            (
                (PortalCode.tenant_id == tenant) & (PortalCode.login == login),
                settings.portal_codes_per_login,
            ),
            (PortalCode.address == address[:64], settings.portal_codes_per_address),
        ):
            count, oldest = (
                await self.session.execute(
                    select(func.count(), func.min(PortalCode.created_at)).where(
                        condition, PortalCode.created_at > window
                    )
                )
            ).one()
            if count >= limit and oldest is not None:
                wait = _aware(oldest) + timedelta(seconds=settings.portal_code_window_seconds)
                raise TooManyAttemptsError(max(1, math.ceil((wait - now).total_seconds())))
        account = await self._account(tenant, login)
        code = f"{secrets.randbelow(1_000_000):06d}"
        expires = now + timedelta(minutes=settings.portal_code_ttl_minutes)
        # The row is written either way: the limits count requests, not accounts.
        self.session.add(
            PortalCode(
                id=uuid7(),
                tenant_id=tenant,
                login=login,
                purpose=body.purpose,
                code_hash=self._hash(tenant, login, body.purpose, code),
                address=address[:64],
                attempts=0,
                expires_at=expires,
                created_at=now,
            )
        )
        await self.session.flush()
        active = account is not None and account.status == "active"
        if body.purpose != "signup" and not active:
            return
        if await self.identity.repo.organisation(tenant) is None:
            return
        await self.identity._emit(
            tenant,
            account.id if account else tenant,
            PortalCodeIssued(
                login=login,
                channel=channel_of(login),
                purpose=body.purpose,
                sealed_code=seal(self.identity.settings.seal_public_key, SEAL_PURPOSE, code),
                expires_at=expires,
                account_id=account.id if active and account else None,
                client_ids=[uuid.UUID(c) for c in account.client_ids.split()]
                if active and account
                else [],
            ),
        )

    async def _use_code(
        self, tenant_id: uuid.UUID, login: str, purpose: Purpose, code: str
    ) -> bool:
        """True when `code` is the newest unspent code of the login for this purpose."""
        now = self.identity.now()
        await self.identity.repo.lock_key(f"portal-code:{tenant_id}:{login}")
        row = (
            await self.session.execute(
                select(PortalCode)
                .where(
                    PortalCode.tenant_id == tenant_id,
                    PortalCode.login == login,
                    PortalCode.purpose == purpose,
                )
                .order_by(PortalCode.created_at.desc(), PortalCode.id.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        if row is None or row.used_at is not None or _aware(row.expires_at) <= now:
            return False
        if row.attempts >= self.identity.settings.portal_code_attempts:
            return False
        if not hmac.compare_digest(row.code_hash, self._hash(tenant_id, login, purpose, code)):
            row.attempts += 1
            await self.session.flush()
            return False
        row.used_at = now
        await self.session.flush()
        return True

    async def sign_in_with_code(self, body: schemas.PortalSignIn) -> schemas.Tokens:
        login = normalise_login(body.login)
        assert body.code is not None
        used = await self._use_code(body.organisation_id, login, "signin", body.code)
        account = await self._account(body.organisation_id, login)
        if not used or account is None or account.status != "active":
            raise SignInRefusedError("invalid login or code")
        return await self.identity._issue(
            "portal",
            account.id,
            account.tenant_id,
            uuid7(),
            {"clients": account.client_ids.split()},
            self.identity.now(),
        )

    async def reset_password(self, body: schemas.PortalPasswordReset) -> None:
        login = normalise_login(body.login)
        used = await self._use_code(body.organisation_id, login, "reset", body.code)
        account = await self._account(body.organisation_id, login)
        if not used or account is None or account.status != "active":
            raise ProblemError(400, "Bad Request", INVALID_CODE, keep_changes=True)
        account.password_hash = await hash_password(body.password)
        await self.identity.repo.revoke_subject(account.id, self.identity.now())
        await self.session.flush()

    # sign-up
    async def sign_up(self, body: schemas.PortalSignUp) -> None:
        tenant, login = body.organisation_id, normalise_login(body.login)
        if not await self._use_code(tenant, login, "signup", body.code):
            raise ProblemError(400, "Bad Request", INVALID_CODE, keep_changes=True)
        password = await hash_password(body.password) if body.password else None
        account = await self._account(tenant, login)
        if account is not None:
            # A known address never yields a second account. One not linked before (a lead,
            # an archived card, several cards) is decided again: staff may have converted the
            # lead, restored the card or merged the duplicates since.
            if account.status not in RETRYABLE:
                return
            account.status = "pending"
            account.password_hash = password or account.password_hash
        else:
            account = PortalAccount(
                id=uuid7(),
                tenant_id=tenant,
                login=login,
                client_ids="",
                password_hash=password,
                status="pending",
                created_at=self.identity.now(),
            )
            self.session.add(account)
        await self.session.flush()
        await self.identity._emit(
            tenant,
            account.id,
            PortalSignupRequested(
                account_id=account.id,
                login=login,
                channel=channel_of(login),
                first_name=body.first_name,
                last_name=body.last_name,
            ),
        )


async def apply_decision(
    session: AsyncSession, tenant_id: uuid.UUID, decision: PortalSignupDecided
) -> None:
    """Clients' answer to a sign-up: the pending account is linked, or stays unusable."""
    account = await session.get(PortalAccount, decision.account_id)
    if account is None or account.tenant_id != tenant_id or account.status != "pending":
        return
    if decision.outcome == "linked" and decision.client_id is not None:
        account.client_ids = str(decision.client_id)
        account.status = "active"
    else:
        account.status = decision.outcome
    await session.flush()
