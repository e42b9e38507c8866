"""Pure ASGI middleware: request and correlation ids, access metrics."""

from __future__ import annotations

import time
import uuid
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crm_platform.context import correlation_id_var, request_id_var

REQUEST_ID_HEADER = b"x-request-id"
CORRELATION_ID_HEADER = b"x-correlation-id"

REQUESTS = Counter("http_requests_total", "HTTP requests", ["service", "method", "status"])
LATENCY = Histogram("http_request_duration_seconds", "HTTP request latency", ["service", "method"])


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service
        self._children: dict[tuple[str, int], tuple[Any, Any]] = {}

    def _metrics(self, method: str, status: int) -> tuple[Any, Any]:
        """The request counter and latency histogram for (method, status), looked up once."""
        found = self._children.get((method, status))
        if found is None:
            found = (
                REQUESTS.labels(self.service, method, str(status)),
                LATENCY.labels(self.service, method),
            )
            if len(self._children) < 1000:  # methods and statuses are few; bounded anyway
                self._children[(method, status)] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        request_id = headers.get(REQUEST_ID_HEADER, b"").decode("latin-1")[:128] or uuid.uuid4().hex
        correlation_id = (
            headers.get(CORRELATION_ID_HEADER, b"").decode("latin-1")[:128] or request_id
        )
        rid_token = request_id_var.set(request_id)
        cid_token = correlation_id_var.set(correlation_id)
        status = 500
        started = time.perf_counter()

        async def send_with_ids(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (REQUEST_ID_HEADER, request_id.encode("latin-1")),
                    (CORRELATION_ID_HEADER, correlation_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_ids)
        finally:
            counted, timed = self._metrics(scope.get("method", ""), status)
            counted.inc()
            timed.observe(time.perf_counter() - started)
            request_id_var.reset(rid_token)
            correlation_id_var.reset(cid_token)
