"""The hot path: match the policy, authenticate, authorise, mint the internal token, and
stream the request to the service and its answer back over pooled keep-alive connections."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from crm_contracts.tokens import Realm
from crm_platform.context import correlation_id_var, request_id_var
from crm_platform.internal_auth import HEADER as INTERNAL_HEADER
from crm_platform.internal_auth import InternalTokenSigner, Principal
from crm_platform.logs import get_logger
from gateway_app.accessmap import AccessMap, UserAccess, can_see
from gateway_app.policy import Match, PolicyTable
from gateway_app.ratelimit import RateLimiter
from gateway_app.route import allowed
from gateway_app.tokens import AccessTokenVerifier, InvalidTokenError
from gateway_app.upstreams import UpstreamPool

log = get_logger(__name__)
CLIENT_ADDRESS = "x-client-address"
HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailers",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
}
# Never passed on from the caller: the gateway alone sets these.
STRIPPED = HOP_BY_HOP | {"authorization", INTERNAL_HEADER, CLIENT_ADDRESS, "cookie"}
# The web front-end keeps its sessions in cookies: its pages get the caller's cookies (and
# no Authorization), and learn whether the caller came over https.
STRIPPED_FOR_PAGES = (STRIPPED - {"cookie"}) | {"x-forwarded-proto"}
PAGES = "web"
# Never passed back from a service: the gateway's own server and middleware set these.
OWN_RESPONSE_HEADERS = HOP_BY_HOP | {"date", "server", "x-request-id", "x-correlation-id"}
# Requests a service handles alike when it gets them twice, so one sent down a pooled
# connection that turned out dead is sent again once on a fresh one.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
IDEMPOTENCY_KEY = "idempotency-key"
ANONYMOUS = Principal(tenant_id=None, subject="anonymous", realm="anonymous")
TOKEN_CACHE_SECONDS = 30


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


class Refusal(Exception):
    def __init__(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None):
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.headers = headers or {}


class BodyTooLargeError(Exception):
    pass


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
        self.signer = signer
        self.upstreams = upstreams
        self.limits = limits
        self.links = links
        self._minted: dict[tuple[Principal, str], tuple[str, float]] = {}

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
            await self._forward(scope, receive, send, match, principal, headers, address)
        except Refusal as refusal:
            await _problem(send, refusal.status, refusal.title, refusal.detail, refusal.headers)
        except BodyTooLargeError:
            await _problem(send, 413, "Content Too Large", "the body is too large", {})

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

    def _internal_token(self, principal: Principal, service: str) -> str:
        key = (principal, service)
        now = time.monotonic()
        cached = self._minted.get(key)
        if cached is not None and cached[1] > now:
            return cached[0]
        token = self.signer.sign(principal, service)
        if len(self._minted) > 10_000:
            self._minted.clear()
        self._minted[key] = (token, now + TOKEN_CACHE_SECONDS)
        return token

    async def _forward(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        match: Match,
        principal: Principal,
        headers: dict[str, str],
        address: str,
    ) -> None:
        service = match.route.service
        stripped = STRIPPED_FOR_PAGES if service == PAGES else STRIPPED
        out = {k: v for k, v in headers.items() if k not in stripped}
        if service == PAGES:
            out["x-forwarded-proto"] = str(scope.get("scheme", "http"))
        out[INTERNAL_HEADER] = self._internal_token(principal, service)
        out[CLIENT_ADDRESS] = address
        out["x-request-id"] = request_id_var.get() or uuid.uuid4().hex
        out["x-correlation-id"] = correlation_id_var.get() or out["x-request-id"]
        url = self.upstreams.url(service, match.route.forward or scope["path"])
        query = scope.get("query_string", b"")
        if query:
            url = f"{url}?{query.decode('latin-1')}"
        method = scope["method"]
        has_body = method in ("POST", "PUT", "PATCH", "DELETE")
        # Read whole (within the limit) so that it can be sent again.
        limit = match.route.max_body_bytes or self.limits.max_body_bytes
        body = await _read_body(receive, limit) if has_body else None
        again = method in IDEMPOTENT_METHODS or IDEMPOTENCY_KEY in headers
        while True:
            try:
                await self._send_upstream(send, service, method, url, out, body)
                return
            except _DeadConnectionError as dead:
                if not again:
                    raise Refusal(
                        503, "Service Unavailable", f"{service} is not answering", RETRY_AFTER
                    ) from dead
                log.info("upstream_connection_dead_retrying", service=service)
                again = False

    async def _send_upstream(
        self,
        send: Send,
        service: str,
        method: str,
        url: str,
        out: dict[str, str],
        body: bytes | None,
    ) -> None:
        started = False
        try:
            async with self.upstreams.session.request(
                method,
                url,
                headers=out,
                data=body,
                allow_redirects=False,
                compress=False,
                auto_decompress=False,
            ) as upstream:
                response_headers = [
                    (k.lower().encode("latin-1"), v.encode("latin-1"))
                    for k, v in upstream.headers.items()
                    if k.lower() not in OWN_RESPONSE_HEADERS
                ]
                await send(
                    {
                        "type": "http.response.start",
                        "status": upstream.status,
                        "headers": response_headers,
                    }
                )
                started = True
                async for chunk in upstream.content.iter_any():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("upstream_unavailable", service=service, error=repr(exc))
            if started:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return
            if _died_in_use(exc):
                raise _DeadConnectionError() from exc
            raise Refusal(
                503, "Service Unavailable", f"{service} is not answering", RETRY_AFTER
            ) from exc


RETRY_AFTER = {"Retry-After": "1"}


class _DeadConnectionError(Exception):
    """The service's connection closed before it answered."""


def _died_in_use(exc: BaseException) -> bool:
    """A pooled connection that was closed or reset under the request (not a service that
    cannot be reached at all)."""
    return isinstance(
        exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError
    ) and not isinstance(exc, aiohttp.ClientConnectorError)


async def _read_body(receive: Receive, limit: int) -> bytes:
    parts: list[bytes] = []
    seen = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > limit:
            raise BodyTooLargeError()
        parts.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(parts)


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


async def _problem(
    send: Send, status: int, title: str, detail: str, headers: dict[str, str]
) -> None:
    body = orjson.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail})
    raw = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    raw += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})
