"""One OpenAPI document for the whole system: every service's paths that the policy table
exposes, with schema names prefixed by service so that equal names never collide."""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from crm_platform.openapi import document_problems
from gateway_app.policy import PolicyTable

Fetch = Callable[[str], Awaitable[dict[str, Any] | None]]
CACHE_SECONDS = 60.0
# What the gateway itself may answer to any operation: no or a bad token, no permission,
# a resource it cannot locate for the caller, the rate limit, a service that is down.
GATEWAY_STATUSES = (401, 403, 404, 429, 503)


class MergedOpenApi:
    def __init__(
        self, policy: PolicyTable, services: list[str], fetch: Fetch, version: str
    ) -> None:
        self.policy = policy
        self.services = services
        self.fetch = fetch
        self.version = version
        self._cached: dict[str, Any] | None = None
        self._at = float("-inf")

    async def document(self) -> dict[str, Any]:
        if self._cached is None or time.monotonic() - self._at > CACHE_SECONDS:
            self._cached = await self._build()
            self._at = time.monotonic()
        return self._cached

    async def _build(self) -> dict[str, Any]:
        public = {(r.method.lower(), r.path, r.service) for r in self.policy.routes}
        paths: dict[str, dict[str, Any]] = {}
        schemas: dict[str, Any] = {}
        for service in self.services:
            doc = await self.fetch(service)
            if not doc:
                continue
            prefix = f"{service}."
            rename = {
                f"#/components/schemas/{n}": f"#/components/schemas/{prefix}{n}"
                for n in doc.get("components", {}).get("schemas", {})
            }
            for name, schema in doc.get("components", {}).get("schemas", {}).items():
                schemas[prefix + name] = _rewrite(schema, rename)
            for path, operations in doc.get("paths", {}).items():
                for method, operation in operations.items():
                    if (method, path, service) in public:
                        op = _rewrite(operation, rename)
                        _drop_internal_headers(op)
                        paths.setdefault(path, {})[method] = op
        document = {
            "openapi": "3.1.0",
            "info": {"title": "School CRM API", "version": self.version},
            "paths": dict(sorted(paths.items())),
            "components": {
                "schemas": schemas,
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
                },
            },
            "security": [{"bearer": []}],
        }
        return document_problems(document, GATEWAY_STATUSES)


def _rewrite(value: Any, rename: dict[str, str]) -> Any:
    text = json.dumps(value)
    for old, new in rename.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    return json.loads(text)


def _drop_internal_headers(operation: dict[str, Any]) -> None:
    params = operation.get("parameters")
    if params:
        operation["parameters"] = [
            p for p in params if p.get("name", "").lower() != "x-client-address"
        ]
