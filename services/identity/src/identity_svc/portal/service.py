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
from datetime import timedelta
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.events.clients import PortalSignupDecided
from crm_contracts.events.identity import PortalCodeIssued, PortalSignupRequested
from crm_contracts.ids import uuid7
from crm_platform.errors import ConflictError, NotFoundError, ProblemError
from crm_platform.logins import channel_of, normalise_login
from crm_platform.sealing import seal
from identity_svc.context import Context
from identity_svc.domain.refusals import SignInRefusedError, TooManyAttemptsError
from identity_svc.models import PortalAccount, PortalCode
from identity_svc.organisation.repository import OrganisationRepository
from identity_svc.passwords import hash_password
from identity_svc.portal import schemas
from identity_svc.portal.repository import PortalRepository
from identity_svc.signin.service import Guesses
from identity_svc.tokens.schemas import Tokens
from identity_svc.tokens.service import TokenIssuer

Purpose = Literal["signin", "reset", "signup", "contact"]
# Purposes whose code goes to the login itself, whether or not an account holds it.
TO_THE_ADDRESS = ("signup", "contact")
SEAL_PURPOSE = "portal_code"
# Sign-ups clients did not link, which a new sign-up with a proven address asks about again.
RETRYABLE = ("lead", "refused", "review")
INVALID_CODE = "this code is invalid or has expired"


@dataclass
class PortalAccess:
    ctx: Context

    @property
    def session(self) -> AsyncSession:
        return self.ctx.session

    @property
    def repo(self) -> PortalRepository:
        return PortalRepository(self.ctx.session)

    def _hash(self, tenant_id: uuid.UUID, login: str, purpose: str, code: str) -> bytes:
        key = self.ctx.settings.key_encryption_key.encode()
        message = f"{tenant_id}:{login}:{purpose}:{code}".encode()
        return hmac.new(key, message, hashlib.sha256).digest()

    async def _account(self, tenant_id: uuid.UUID, login: str) -> PortalAccount | None:
        return await self.repo.portal_account(tenant_id, login)

    # passwords
    async def sign_in(self, body: schemas.PortalSignIn, address: str) -> Tokens:
        if body.code is not None:
            return await self.sign_in_with_code(body)
        login = normalise_login(body.login)
        account = await self.repo.portal_account(body.organisation_id, login)
        stored = account.password_hash if account and account.status == "active" else None
        ok = await Guesses(self.ctx).check_password(
            f"portal:{body.organisation_id}:{login}", address, stored, body.password or ""
        )
        if not ok or account is None:
            raise SignInRefusedError("invalid login or password")
        return await self._tokens(account)

    async def _tokens(self, account: PortalAccount) -> Tokens:
        return await TokenIssuer(self.ctx).issue(
            "portal",
            account.id,
            account.tenant_id,
            uuid7(),
            {"clients": account.client_ids.split()},
            self.ctx.now(),
        )

    async def create_account(self, body: schemas.PortalAccountCreate) -> schemas.PortalAccountRead:
        if await OrganisationRepository(self.session).organisation(body.tenant_id) is None:
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
            created_at=self.ctx.now(),
        )
        self.session.add(account)
        await self.session.flush()
        return schemas.PortalAccountRead(
            id=account.id,
            tenant_id=account.tenant_id,
            login=account.login,
            client_ids=body.client_ids,
        )

    # codes
    async def request_code(self, body: schemas.PortalCodeRequest, address: str) -> None:
        await self.issue_code(
            body.organisation_id, normalise_login(body.login), body.purpose, address
        )

    async def issue_code(
        self, tenant: uuid.UUID, login: str, purpose: Purpose, address: str
    ) -> None:
        settings = self.ctx.settings
        now = self.ctx.now()
        await self.ctx.lock(f"portal-code:{tenant}:{login}")
        window = now - timedelta(seconds=settings.portal_code_window_seconds)
        for (count, oldest), limit in (
            (
                await self.repo.codes_of_login_since(tenant, login, window),
                settings.portal_codes_per_login,
            ),
            (
                await self.repo.codes_to_address_since(address[:64], window),
                settings.portal_codes_per_address,
            ),
        ):
            if count >= limit and oldest is not None:
                wait = oldest + timedelta(seconds=settings.portal_code_window_seconds)
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
                purpose=purpose,
                code_hash=self._hash(tenant, login, purpose, code),
                address=address[:64],
                attempts=0,
                expires_at=expires,
                created_at=now,
            )
        )
        await self.session.flush()
        # A contact code proves an address for the account asking: never to another's chat.
        active = account is not None and account.status == "active" and purpose != "contact"
        if purpose not in TO_THE_ADDRESS and not active:
            return
        if await OrganisationRepository(self.session).organisation(tenant) is None:
            return
        await self.ctx.emit(
            tenant,
            account.id if account else tenant,
            PortalCodeIssued(
                login=login,
                channel=channel_of(login),
                purpose=purpose,
                sealed_code=seal(settings.seal_public_key, SEAL_PURPOSE, code),
                expires_at=expires,
                account_id=account.id if active and account else None,
                client_ids=[uuid.UUID(c) for c in account.client_ids.split()]
                if active and account
                else [],
            ),
        )

    async def use_code(self, tenant_id: uuid.UUID, login: str, purpose: Purpose, code: str) -> bool:
        """True when `code` is the newest unspent code of the login for this purpose."""
        now = self.ctx.now()
        await self.ctx.lock(f"portal-code:{tenant_id}:{login}")
        row = await self.repo.newest_code(tenant_id, login, purpose)
        if row is None or row.used_at is not None or row.expires_at <= now:
            return False
        if row.attempts >= self.ctx.settings.portal_code_attempts:
            return False
        if not hmac.compare_digest(row.code_hash, self._hash(tenant_id, login, purpose, code)):
            row.attempts += 1
            await self.session.flush()
            return False
        row.used_at = now
        await self.session.flush()
        return True

    async def sign_in_with_code(self, body: schemas.PortalSignIn) -> Tokens:
        login = normalise_login(body.login)
        assert body.code is not None
        used = await self.use_code(body.organisation_id, login, "signin", body.code)
        account = await self._account(body.organisation_id, login)
        if not used or account is None or account.status != "active":
            raise SignInRefusedError("invalid login or code")
        return await self._tokens(account)

    async def reset_password(self, body: schemas.PortalPasswordReset) -> None:
        login = normalise_login(body.login)
        used = await self.use_code(body.organisation_id, login, "reset", body.code)
        account = await self._account(body.organisation_id, login)
        if not used or account is None or account.status != "active":
            raise ProblemError(400, "Bad Request", INVALID_CODE, keep_changes=True)
        account.password_hash = await hash_password(body.password)
        await TokenIssuer(self.ctx).revoke_subject(account.id, self.ctx.now())
        await self.session.flush()

    # sign-up
    async def sign_up(self, body: schemas.PortalSignUp) -> None:
        tenant, login = body.organisation_id, normalise_login(body.login)
        if not await self.use_code(tenant, login, "signup", body.code):
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
                created_at=self.ctx.now(),
            )
            self.session.add(account)
        await self.session.flush()
        await self.ctx.emit(
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
    account = await PortalRepository(session).portal_account_by_id(decision.account_id)
    if account is None or account.tenant_id != tenant_id:
        return
    # Staff may link an account waiting for their review; nothing else moves a decided one.
    if account.status != "pending" and not (
        account.status == "review" and decision.outcome == "linked"
    ):
        return
    if decision.outcome == "linked" and decision.client_id is not None:
        account.client_ids = str(decision.client_id)
        account.status = "active"
    else:
        account.status = decision.outcome
    await session.flush()
