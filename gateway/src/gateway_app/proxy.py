"""The hot path: match the policy, authenticate, authorise, then forward (forwarding.py: the
internal token, the request to the service and its answer back over pooled keep-alive
connections)."""

from __future__ import annotations

import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
from starlette.types import ASGIApp, Receive, Scope, Send

from crm_contracts.tokens import Realm
from crm_platform.internal_auth import InternalTokenSigner, Principal
from crm_platform.logs import get_logger
from gateway_app.accessmap import AccessMap, UserAccess, can_see
from gateway_app.forwarding import Forwarder
from gateway_app.policy import Match, PolicyTable
from gateway_app.ratelimit import RateLimiter
from gateway_app.refusal import BodyTooLargeError, Refusal, send_problem
from gateway_app.route import allowed
from gateway_app.tokens import AccessTokenVerifier, InvalidTokenError
from gateway_app.upstreams import UpstreamPool

log = get_logger(__name__)
ANONYMOUS = Principal(tenant_id=None, subject="anonymous", realm="anonymous")


OWN_PATHS = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"})
DOCS_ASSETS = "/docs/assets/"


class ProxyDispatch:
    """Sends the gateway's own paths to its app and every other request to the proxy."""

    def __init__(self, app: ASGIApp, proxy: ASGIApp) -> None:
        self.app = app
        self.proxy = proxy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] == "http" and path not in OWN_PATHS and not path.startswith(DOCS_ASSETS):
            await self.proxy(scope, receive, send)
        else:
            await self.app(scope, receive, send)


@dataclass
class Limits:
    max_body_bytes: int
    per_address: RateLimiter
    per_user: RateLimiter
    # Anonymous personal links, per caller address: tokens are not for guessing.
    per_link_address: RateLimiter | None = None


@dataclass(frozen=True)
class LinkHolder:
    tenant_id: uuid.UUID
    client_id: uuid.UUID


# A link's token -> whom it shows now (None: unknown or revoked), asked of clients every time.
LinkResolver = Callable[[str], Awaitable[LinkHolder | None]]


class GatewayProxy:
    def __init__(
        self,
        policy: PolicyTable,
        verifier: AccessTokenVerifier,
        access: AccessMap,
        signer: InternalTokenSigner,
        upstreams: UpstreamPool,
        limits: Limits,
        links: LinkResolver | None = None,
    ) -> None:
        self.policy = policy
        self.verifier = verifier
        self.access = access
        self.limits = limits
        self.links = links
        self.forwarder = Forwarder(signer, upstreams, limits.max_body_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert scope["type"] == "http"
        try:
            match = self.policy.match(scope["method"], scope["path"])
            if match is None:
                raise Refusal(404, "Not Found", "no such route")
            address = _client_address(scope)
            wait = self.limits.per_address.take(address)
            if not wait and match.route.realm == "link" and self.limits.per_link_address:
                wait = self.limits.per_link_address.take(address)
            if wait:
                raise _too_many(wait)
            headers = _headers(scope)
            length = headers.get("content-length")
            limit = match.route.max_body_bytes or self.limits.max_body_bytes
            if length is not None and (not length.isdigit() or int(length) > limit):
                raise Refusal(413, "Content Too Large", f"bodies are limited to {limit} bytes")
            principal = await self._authorise(match, headers, scope.get("query_string", b""))
            if principal.realm != "anonymous":
                wait = self.limits.per_user.take(principal.subject)
                if wait:
                    raise _too_many(wait)
            await self.forwarder.forward(scope, receive, send, match, principal, headers, address)
        except Refusal as refusal:
            await send_problem(send, refusal.status, refusal.title, refusal.detail, refusal.headers)
        except BodyTooLargeError:
            await send_problem(send, 413, "Content Too Large", "the body is too large", {})

    async def _authorise(self, match: Match, headers: dict[str, str], query: bytes) -> Principal:
        route = match.route
        if route.realm == "public":
            return ANONYMOUS
        if route.realm == "link":
            return await self._link(match)
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Refusal(401, "Unauthorized", "sign in first", {"WWW-Authenticate": "Bearer"})
        try:
            claims = await self.verifier.verify(token.strip(), route.realm)
        except InvalidTokenError as exc:
            if route.realm == "operator" and await self._signed_in_elsewhere(token.strip()):
                raise Refusal(403, "Forbidden", "only an operator may do this") from exc
            raise Refusal(
                401,
                "Unauthorized",
                "invalid or expired token",
                {"WWW-Authenticate": 'Bearer error="invalid_token"'},
            ) from exc
        if route.realm == "operator":
            return Principal(tenant_id=None, subject=str(claims["sub"]), realm="operator")
        tenant = uuid.UUID(str(claims["tid"]))
        if route.realm == "portal":
            return Principal(
                tenant_id=tenant,
                subject=str(claims["sub"]),
                realm="portal",
                client_ids=frozenset(uuid.UUID(str(c)) for c in claims.get("clients", [])),
            )
        user = await self.access.user(uuid.UUID(str(claims["sub"])))
        if user is None or user.status != "active" or user.tenant_id != tenant:
            raise Refusal(
                401, "Unauthorized", "invalid or expired token", {"WWW-Authenticate": "Bearer"}
            )
        suspended = await self.access.standings.suspended_reason(tenant)
        if suspended is not None:
            raise Refusal(403, "Forbidden", f"this organisation is suspended: {suspended}")
        if not allowed(route.permission, user.role, user.finances_hidden):
            raise Refusal(403, "Forbidden", "your role does not allow this")
        for param, kind in route.locate.items():
            await self._check_visible(user, kind, match.params[param])
        if route.query and query:
            for name, value in parse_qsl(query.decode("latin-1")):
                filtered = route.query.get(name)
                if filtered is not None and _is_uuid(value):  # else the service answers 422
                    await self._check_visible(user, filtered, value)
        return Principal(
            tenant_id=tenant,
            subject=str(claims["sub"]),
            realm="staff",
            role=user.role,
            all_branches=user.organisation_wide,
            branch_ids=user.branch_ids,
            group_ids=user.group_ids,
            finances_hidden=user.finances_hidden,
        )

    async def _link(self, match: Match) -> Principal:
        """No cache: a link revoked by staff stops working on the next request."""
        if self.links is None:
            raise Refusal(404, "Not Found", "no such link")
        try:
            holder = await self.links(match.params["token"])
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("link_lookup_failed", error=repr(exc))
            raise Refusal(
                503, "Service Unavailable", "clients is not answering", {"Retry-After": "1"}
            ) from exc
        if holder is None:
            raise Refusal(404, "Not Found", "no such link")
        return Principal(
            tenant_id=holder.tenant_id,
            subject="link",
            realm="anonymous",
            client_ids=frozenset({holder.client_id}),
        )

    async def _signed_in_elsewhere(self, token: str) -> bool:
        """A valid staff or portal token: its holder is known, but not an operator."""
        realms: tuple[Realm, ...] = ("staff", "portal")
        for realm in realms:
            try:
                await self.verifier.verify(token, realm)
            except InvalidTokenError:
                continue
            return True
        return False

    async def _check_visible(self, user: UserAccess, kind: Any, raw_id: str) -> None:
        try:
            resource_id = uuid.UUID(raw_id)
        except ValueError:
            raise Refusal(404, "Not Found", f"no such {kind}") from None
        where = await self.access.locate(kind, resource_id)
        if where is None or not can_see(user, where):
            raise Refusal(404, "Not Found", f"no such {kind}")


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def _client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def _too_many(wait: float) -> Refusal:
    return Refusal(
        429, "Too Many Requests", "slow down", {"Retry-After": str(max(1, math.ceil(wait)))}
    )
