"""Forwarding a request the gateway let through: the headers the gateway alone sets (its
internal token, minted per principal and service and kept briefly, the caller's address, the
request and correlation ids), the body read whole within its limit so a request can be sent
again once when a pooled connection turns out dead, and the answer streamed back."""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlsplit, urlunsplit

import aiohttp
from starlette.types import Receive, Scope, Send

from crm_platform.context import correlation_id_var, request_id_var
from crm_platform.internal_auth import HEADER as INTERNAL_HEADER
from crm_platform.internal_auth import InternalTokenSigner, Principal
from crm_platform.logs import get_logger
from gateway_app.policy import Match
from gateway_app.refusal import BodyTooLargeError, Refusal
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
# no Authorization), learn whether the caller came over https and the host it asked for (a
# page shows the school's addresses to hand out: a personal link, the portal's sign-in).
STRIPPED_FOR_PAGES = (STRIPPED - {"cookie"}) | {"x-forwarded-proto", "x-forwarded-host"}
PAGES = "web"
# Never passed back from a service: the gateway's own server and middleware set these.
OWN_RESPONSE_HEADERS = HOP_BY_HOP | {"date", "server", "x-request-id", "x-correlation-id"}
# Requests a service handles alike when it gets them twice, so one sent down a pooled
# connection that turned out dead is sent again once on a fresh one.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Response headers that name an address: one naming a service's own is passed on as a path.
ADDRESS_HEADERS = frozenset({"location", "content-location"})
IDEMPOTENCY_KEY = "idempotency-key"
TOKEN_CACHE_SECONDS = 30


class Forwarder:
    def __init__(
        self, signer: InternalTokenSigner, upstreams: UpstreamPool, max_body_bytes: int
    ) -> None:
        self.signer = signer
        self.upstreams = upstreams
        self.max_body_bytes = max_body_bytes
        self._internal = {urlsplit(u).netloc.lower() for u in upstreams.base_urls.values()}
        self._minted: dict[tuple[Principal, str], tuple[str, float]] = {}

    def _public(self, name: str, value: str) -> str:
        """A response header as the caller may see it: an address of a service (a redirect a
        framework made from the request it got) becomes its path, so no internal address
        ever reaches a caller, nor a bearer token following it."""
        if name not in ADDRESS_HEADERS:
            return value
        parts = urlsplit(value)
        if not parts.netloc or parts.netloc.lower() not in self._internal:
            return value
        return urlunsplit(("", "", parts.path or "/", parts.query, parts.fragment))

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

    async def forward(
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
            if "host" in headers:
                out["x-forwarded-host"] = headers["host"]
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
        limit = match.route.max_body_bytes or self.max_body_bytes
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
                    (k.lower().encode("latin-1"), self._public(k.lower(), v).encode("latin-1"))
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
