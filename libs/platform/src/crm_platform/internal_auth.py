"""The gateway's internal token: minted per request by the gateway, verified by every service.

Services accept only this token and take the tenant and the caller's scope from it, never
from a header or a body. A request that did not come through the gateway is refused (401).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import OKPKey

from crm_platform.errors import ProblemError

ALGORITHM = "Ed25519"
INTERNAL_TOKEN_TTL_SECONDS = 60
INTERNAL_TOKEN_TYP = "crm-internal+jwt"
HEADER = "x-internal-token"
Realm = Literal["staff", "portal", "operator", "anonymous", "system"]


@dataclass(frozen=True)
class Principal:
    """Who is calling and what they may see, as the gateway decided."""

    tenant_id: uuid.UUID | None
    subject: str
    realm: Realm
    role: str | None = None
    all_branches: bool = False
    branch_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    group_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    client_ids: frozenset[uuid.UUID] = field(default_factory=frozenset)
    finances_hidden: bool = False

    def require_tenant(self) -> uuid.UUID:
        if self.tenant_id is None:
            raise ProblemError(403, "Forbidden", "this call needs an organisation")
        return self.tenant_id

    def to_claims(self) -> dict[str, Any]:
        return {
            "tid": str(self.tenant_id) if self.tenant_id else None,
            "sub": self.subject,
            "realm": self.realm,
            "role": self.role,
            "all_branches": self.all_branches,
            "branches": sorted(str(b) for b in self.branch_ids),
            "groups": sorted(str(g) for g in self.group_ids),
            "clients": sorted(str(c) for c in self.client_ids),
            "fin_hidden": self.finances_hidden,
        }

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        tid = claims.get("tid")
        return cls(
            tenant_id=uuid.UUID(tid) if tid else None,
            subject=str(claims["sub"]),
            realm=claims["realm"],
            role=claims.get("role"),
            all_branches=bool(claims.get("all_branches", False)),
            branch_ids=frozenset(uuid.UUID(b) for b in claims.get("branches", [])),
            group_ids=frozenset(uuid.UUID(g) for g in claims.get("groups", [])),
            client_ids=frozenset(uuid.UUID(c) for c in claims.get("clients", [])),
            finances_hidden=bool(claims.get("fin_hidden", False)),
        )


class InternalTokenSigner:
    """Used by the gateway (and by tests standing in for it)."""

    def __init__(self, private_key_pem: str, issuer: str, kid: str = "internal-1") -> None:
        self._key = OKPKey.import_key(private_key_pem)
        self._issuer = issuer
        self._kid = kid

    def sign(
        self, principal: Principal, audience: str, ttl: int = INTERNAL_TOKEN_TTL_SECONDS
    ) -> str:
        now = int(time.time())
        claims = principal.to_claims() | {
            "iss": self._issuer,
            "aud": audience,
            "iat": now,
            "exp": now + ttl,
            "jti": uuid.uuid4().hex,
        }
        header = {"alg": ALGORITHM, "typ": INTERNAL_TOKEN_TYP, "kid": self._kid}
        return jwt.encode(header, claims, self._key, algorithms=[ALGORITHM])


class InternalTokenVerifier:
    """Verifies internal tokens. The gateway reuses a principal's token for its lifetime, so
    a verified token is remembered until it expires (bounded): the signature of the same
    bytes need not be checked again."""

    MAX_REMEMBERED = 10_000

    def __init__(
        self,
        public_key_pem: str,
        issuer: str,
        audience: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clock = clock
        self._verified: dict[str, tuple[Principal, float]] = {}
        self._key = OKPKey.import_key(public_key_pem)
        self._claims = jwt.JWTClaimsRegistry(
            now=lambda: int(self._clock()),
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            sub={"essential": True},
        )

    def verify(self, token: str) -> Principal:
        now = self._clock()
        known = self._verified.get(token)
        if known is not None and now < known[1]:
            return known[0]
        try:
            decoded = jwt.decode(token, self._key, algorithms=[ALGORITHM])
            if decoded.header.get("typ") != INTERNAL_TOKEN_TYP:
                raise ProblemError(401, "Unauthorized", "not an internal token")
            self._claims.validate(decoded.claims)
            principal = Principal.from_claims(decoded.claims)
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise ProblemError(401, "Unauthorized", "invalid internal token") from exc
        if len(self._verified) >= self.MAX_REMEMBERED:
            self._verified = {t: v for t, v in self._verified.items() if now < v[1]}
            if len(self._verified) >= self.MAX_REMEMBERED:
                self._verified.clear()
        self._verified[token] = (principal, float(decoded.claims["exp"]))
        return principal


async def get_principal(request: Request) -> Principal:
    """Dependency: the principal the app's verifier accepted for this request."""
    principal = principal_for(request.app.state.internal_verifier, request.headers.get(HEADER))
    request.state.principal = principal
    return principal


def principal_for(verifier: InternalTokenVerifier, token: str | None) -> Principal:
    """The principal of a request carrying `token` in the internal token header."""
    if not token:
        raise ProblemError(401, "Unauthorized", "requests must come through the gateway")
    return verifier.verify(token)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require_role(principal: Principal, *roles: str) -> None:
    """403 unless a staff member holding one of `roles` is calling; anyone who is not staff
    gets 404, as everywhere (staff data does not exist for them)."""
    if principal.realm != "staff":
        raise ProblemError(404, "Not Found", "not found")
    if principal.role not in roles:
        raise ProblemError(403, "Forbidden", f"needs the role {' or '.join(roles)}")


async def system_only(principal: PrincipalDep) -> None:
    """Dependency for internal routes: only the gateway's own (system) calls; others get 404."""
    if principal.realm != "system":
        raise ProblemError(404, "Not Found", "not found")


async def staff_only(principal: PrincipalDep) -> None:
    """Dependency: client-portal and anonymous callers never reach staff data."""
    if principal.realm != "staff":
        raise ProblemError(404, "Not Found", "not found")
