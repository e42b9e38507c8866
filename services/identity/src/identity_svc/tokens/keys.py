"""Token-signing keys: Ed25519, encrypted at rest, rotated with the next key published first.

A new key is published in the JWKS `publish_ahead` before it signs, so every gateway's cached
JWKS knows it by then; a retired key stays published until the last token it signed expires.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from joserfc import jwt
from joserfc.jwk import OKPKey
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.ids import uuid7
from crm_contracts.tokens import ALGORITHM, AUDIENCE, TOKEN_TYPE, Realm
from identity_svc.models import SigningKey
from identity_svc.settings import Settings
from identity_svc.tokens.repository import TokensRepository


@dataclass(frozen=True)
class KeyRecord:
    kid: str
    private: OKPKey
    public_jwk: dict[str, Any]
    signs_from: datetime
    retired_at: datetime | None


class KeyRing:
    def __init__(self, records: list[KeyRecord], token_ttl: timedelta) -> None:
        self.records = records
        self.token_ttl = token_ttl

    def signing_key(self, now: datetime) -> KeyRecord | None:
        usable = [
            r
            for r in self.records
            if r.signs_from <= now and (r.retired_at is None or r.retired_at > now)
        ]
        return max(usable, key=lambda r: r.signs_from, default=None)

    def published(self, now: datetime) -> list[dict[str, Any]]:
        return [
            r.public_jwk
            for r in sorted(self.records, key=lambda r: r.signs_from)
            if r.retired_at is None or r.retired_at + self.token_ttl > now
        ]


class Keys:
    """Loads, creates and rotates keys; caches the ring briefly per process."""

    CACHE_SECONDS = 30.0

    def __init__(
        self,
        encryption_key: str,
        token_ttl: timedelta,
        publish_ahead: timedelta,
        lifetime: timedelta,
    ) -> None:
        self._fernet = Fernet(encryption_key.encode())
        self.token_ttl = token_ttl
        self.publish_ahead = publish_ahead
        self.lifetime = lifetime
        self._ring: KeyRing | None = None
        self._loaded_at = 0.0

    async def ring(self, session: AsyncSession) -> KeyRing:
        if self._ring is None or time.monotonic() - self._loaded_at > self.CACHE_SECONDS:
            rows = await TokensRepository(session).signing_keys()
            self._ring = KeyRing([self._record(r) for r in rows], self.token_ttl)
            self._loaded_at = time.monotonic()
        return self._ring

    def forget(self) -> None:
        self._ring = None

    def _record(self, row: SigningKey) -> KeyRecord:
        pem = self._fernet.decrypt(row.private_key)
        return KeyRecord(
            kid=row.kid,
            private=OKPKey.import_key(pem),
            public_jwk=json.loads(row.public_jwk),
            signs_from=row.signs_from,
            retired_at=row.retired_at,
        )

    def _new_row(self, now: datetime, signs_from: datetime) -> SigningKey:
        kid = uuid7().hex
        private = Ed25519PrivateKey.generate()
        pem = private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        public = OKPKey.import_key(pem).as_dict(private=False)
        public.update({"kid": kid, "alg": ALGORITHM, "use": "sig"})
        return SigningKey(
            kid=kid,
            private_key=self._fernet.encrypt(pem),
            public_jwk=json.dumps(public),
            created_at=now,
            signs_from=signs_from,
            retired_at=None,
        )

    async def ensure(self, session: AsyncSession, now: datetime) -> None:
        """Make sure a key signs now; the first key of a new system signs at once."""
        self.forget()
        ring = await self.ring(session)
        if ring.signing_key(now) is None:
            session.add(self._new_row(now, now))
            await session.flush()
            self.forget()

    async def rotate(self, session: AsyncSession, now: datetime) -> str:
        """Publish a new key now; it signs after publish_ahead, when the older ones retire."""
        row = self._new_row(now, now + self.publish_ahead)
        await TokensRepository(session).retire_signing_keys(row.signs_from)
        session.add(row)
        await session.flush()
        self.forget()
        return row.kid

    async def rotate_if_old(self, session: AsyncSession, now: datetime) -> str | None:
        ring = await self.ring(session)
        current = ring.signing_key(now)
        pending = [r for r in ring.records if r.signs_from > now]
        if current is not None and not pending and now - current.signs_from > self.lifetime:
            return await self.rotate(session, now)
        return None

    async def sign_access_token(
        self,
        session: AsyncSession,
        *,
        realm: Realm,
        issuer: str,
        subject: uuid.UUID,
        tenant_id: uuid.UUID | None,
        session_id: uuid.UUID,
        extra: dict[str, Any],
        now: datetime,
    ) -> str:
        key = (await self.ring(session)).signing_key(now)
        if key is None:
            await self.ensure(session, now)
            key = (await self.ring(session)).signing_key(now)
            assert key is not None
        iat = int(now.timestamp())
        claims = {
            "iss": issuer,
            "aud": AUDIENCE[realm],
            "sub": str(subject),
            "sid": str(session_id),
            "realm": realm,
            "iat": iat,
            "exp": iat + int(self.token_ttl.total_seconds()),
            "jti": uuid.uuid4().hex,
        } | extra
        if tenant_id is not None:  # an operator acts for no organisation
            claims["tid"] = str(tenant_id)
        header = {"alg": ALGORITHM, "typ": TOKEN_TYPE[realm], "kid": key.kid}
        return jwt.encode(header, claims, key.private, algorithms=[ALGORITHM])


def keys_for(settings: Settings) -> Keys:
    return Keys(
        settings.key_encryption_key,
        token_ttl=timedelta(seconds=settings.access_token_ttl_seconds),
        publish_ahead=timedelta(seconds=settings.key_publish_ahead_seconds),
        lifetime=timedelta(days=settings.signing_key_lifetime_days),
    )
