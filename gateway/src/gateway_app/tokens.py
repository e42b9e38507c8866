"""Verifies identity's access tokens: pinned algorithm, iss, aud, typ, exp, and a kid from
the cached JWKS (fetched again, at most every few seconds, when an unknown kid appears)."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from crm_contracts.tokens import ALGORITHM, AUDIENCE, REALMS, TOKEN_TYPE, Realm

VERIFIED_CACHE_SIZE = 50_000
JwksFetcher = Callable[[], Awaitable[dict[str, Any]]]


class InvalidTokenError(Exception):
    pass


class AccessTokenVerifier:
    def __init__(
        self,
        fetch_jwks: JwksFetcher,
        issuer: str,
        *,
        refetch_after_seconds: float = 300.0,
        min_refetch_interval: float = 5.0,
    ) -> None:
        self._fetch = fetch_jwks
        self._issuer = issuer
        self._refetch_after = refetch_after_seconds
        self._min_interval = min_refetch_interval
        self._keys: KeySet | None = None
        self._kids: set[str] = set()
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()
        self._verified: dict[tuple[str, Realm], dict[str, Any]] = {}
        # An operator acts for no organisation: only operator tokens go without a tenant.
        self._claims = {realm: _claims_registry(issuer, realm) for realm in REALMS}

    async def _refresh(self, kid: str) -> None:
        """Fetch the JWKS when it is stale, or when `kid` is unknown (not too often).

        One fetch at a time: requests arriving meanwhile wait for it instead of refusing a
        token whose key is on its way.
        """
        if kid in self._kids and time.monotonic() - self._fetched_at <= self._refetch_after:
            return
        async with self._lock:
            now = time.monotonic()
            stale = now - self._fetched_at > self._refetch_after
            unknown = kid not in self._kids and now - self._fetched_at > self._min_interval
            if not (stale or unknown):
                return
            data = await self._fetch()
            self._keys = KeySet.import_key_set(data)  # type: ignore[arg-type]
            self._kids = {str(k.get("kid")) for k in data.get("keys", [])}
            self._fetched_at = time.monotonic()

    async def verify(self, token: str, realm: Realm) -> dict[str, Any]:
        """The token's claims, or InvalidTokenError. A token verified before is not verified
        again until it expires (its signature cannot change; its key's retirement is covered
        by the key's publication outliving every token it signed)."""
        cached = self._verified.get((token, realm))
        if cached is not None:
            if cached["exp"] > time.time():
                return cached
            self._verified.pop((token, realm), None)
        claims = await self._verify(token, realm)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.pop(next(iter(self._verified)))
        self._verified[(token, realm)] = claims
        return claims

    async def _verify(self, token: str, realm: Realm) -> dict[str, Any]:
        header = _header(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidTokenError("algorithm not accepted")
        if header.get("typ") != TOKEN_TYPE[realm]:
            raise InvalidTokenError("wrong token type")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise InvalidTokenError("no key id")
        await self._refresh(kid)
        if kid not in self._kids or self._keys is None:
            raise InvalidTokenError("unknown key")
        try:
            decoded = jwt.decode(token, self._keys, algorithms=[ALGORITHM])
            self._claims[realm].validate(decoded.claims)
        except (JoseError, ValueError) as exc:
            raise InvalidTokenError(type(exc).__name__) from exc
        if decoded.claims.get("realm") != realm:
            raise InvalidTokenError("wrong realm")
        return dict(decoded.claims)


def _claims_registry(issuer: str, realm: str) -> jwt.JWTClaimsRegistry:
    essential: dict[str, jwt.ClaimsOption] = {
        "iss": {"essential": True, "value": issuer},
        "aud": {"essential": True, "value": AUDIENCE[realm]},
        "exp": {"essential": True},
        "sub": {"essential": True},
    }
    if realm != "operator":
        essential["tid"] = {"essential": True}
    return jwt.JWTClaimsRegistry(**essential)  # type: ignore[arg-type]


def _header(token: str) -> dict[str, Any]:
    try:
        segment = token.split(".")[0]
        data = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, IndexError) as exc:
        raise InvalidTokenError("malformed token") from exc
    if not isinstance(data, dict):
        raise InvalidTokenError("malformed token")
    return data
