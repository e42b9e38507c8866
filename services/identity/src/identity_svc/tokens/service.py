"""Tokens: issuing an access token with a rotating refresh token, refreshing, signing out,
and the published keys. Flushes, never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from crm_contracts.ids import uuid7
from crm_contracts.tokens import REALMS, Realm
from identity_svc.context import Context
from identity_svc.domain.refusals import SignInRefusedError
from identity_svc.domain.standing import refuse_if_suspended
from identity_svc.models import RefreshToken
from identity_svc.operators.repository import OperatorsRepository
from identity_svc.organisation.repository import OrganisationRepository
from identity_svc.portal.repository import PortalRepository
from identity_svc.staff.repository import StaffRepository
from identity_svc.tokens import schemas
from identity_svc.tokens.opaque import digest, new_token
from identity_svc.tokens.repository import TokensRepository


@dataclass
class TokenIssuer:
    ctx: Context

    @property
    def repo(self) -> TokensRepository:
        return TokensRepository(self.ctx.session)

    async def issue(
        self,
        realm: Realm,
        subject: uuid.UUID,
        tenant_id: uuid.UUID | None,
        family_id: uuid.UUID,
        extra: dict[str, object],
        now: datetime,
    ) -> schemas.Tokens:
        settings = self.ctx.settings
        refresh = new_token()
        self.ctx.session.add(
            RefreshToken(
                id=uuid7(),
                token_hash=digest(refresh),
                family_id=family_id,
                realm=realm,
                subject_id=subject,
                tenant_id=tenant_id,
                expires_at=now + timedelta(days=settings.refresh_token_ttl_days),
                created_at=now,
            )
        )
        await self.ctx.session.flush()
        access = await self.ctx.keys.sign_access_token(
            self.ctx.session,
            realm=realm,
            issuer=settings.token_issuer,
            subject=subject,
            tenant_id=tenant_id,
            session_id=family_id,
            extra=extra,
            now=now,
        )
        return schemas.Tokens(
            access_token=access,
            expires_in=settings.access_token_ttl_seconds,
            refresh_token=refresh,
        )

    async def refresh(self, body: schemas.RefreshIn) -> schemas.Tokens:
        now = self.ctx.now()
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
        return await self.issue(realm, row.subject_id, row.tenant_id, row.family_id, extra, now)

    async def sign_out(self, body: schemas.RefreshIn) -> None:
        row = await self.repo.refresh_token(digest(body.refresh_token))
        if row is not None:
            await self.repo.revoke_family(row.family_id, self.ctx.now())

    async def revoke_subject(self, subject_id: uuid.UUID, now: datetime) -> None:
        """End every session of a user or account (deactivated, or a new password set)."""
        await self.repo.revoke_subject(subject_id, now)

    async def published_keys(self) -> list[dict[str, Any]]:
        ring = await self.ctx.keys.ring(self.ctx.session)
        return ring.published(self.ctx.now())

    async def _subject_claims(self, realm: str, subject_id: uuid.UUID) -> dict[str, object] | None:
        session = self.ctx.session
        if realm == "portal":
            account = await PortalRepository(session).portal_account_by_id(subject_id)
            if account is None or account.status != "active":
                return None
            return {"clients": account.client_ids.split()}
        if realm == "operator":
            operator = await OperatorsRepository(session).operator(subject_id)
            return {} if operator is not None and operator.status == "active" else None
        user = await StaffRepository(session).staff_by_id(subject_id)
        if user is None or user.status != "active":
            return None
        refuse_if_suspended(await OrganisationRepository(session).organisation(user.tenant_id))
        return {"role": user.role}
