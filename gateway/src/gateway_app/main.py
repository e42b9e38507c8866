"""create_app(): the gateway. It has no database; it is ready when every upstream service is.

Health, metrics and the merged API document are its own routes; every other path goes
through the policy table to the proxy.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse
from starlette.middleware.cors import CORSMiddleware
from starlette.staticfiles import StaticFiles

from crm_platform.app import Component, create_service_app
from crm_platform.internal_auth import HEADER as INTERNAL_HEADER
from crm_platform.internal_auth import InternalTokenSigner, Principal
from crm_platform.middleware import RequestContextMiddleware
from gateway_app.accessmap import AccessMap
from gateway_app.feed import AccessMapFeed
from gateway_app.openapi import MergedOpenApi
from gateway_app.policy import PolicyTable
from gateway_app.proxy import DOCS_ASSETS, GatewayProxy, Limits, LinkHolder, ProxyDispatch
from gateway_app.ratelimit import RateLimiter
from gateway_app.settings import GatewaySettings
from gateway_app.tokens import AccessTokenVerifier
from gateway_app.upstreams import UpstreamPool, UpstreamReadiness

DEFAULT_PORT = 8100
SYSTEM = Principal(tenant_id=None, subject="gateway", realm="system")
ANONYMOUS = Principal(tenant_id=None, subject="anonymous", realm="anonymous")
SWAGGER_UI = Path(__file__).parent / "static" / "swagger-ui"


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    pool = UpstreamPool(
        settings.upstream_urls(),
        max_connections=settings.upstream_max_connections,
        timeout_seconds=settings.upstream_timeout_seconds,
    )
    signer = InternalTokenSigner(
        settings.internal_token_private_key, settings.internal_token_issuer
    )

    async def get_json(service: str, path: str, principal: Principal) -> dict[str, Any] | None:
        headers = {INTERNAL_HEADER: signer.sign(principal, service)}
        async with pool.session.get(pool.url(service, path), headers=headers) as response:
            if response.status == 404:
                return None
            response.raise_for_status()
            data: dict[str, Any] = orjson.loads(await response.read())
            return data

    async def resolve_link(token: str) -> LinkHolder | None:
        """clients' answer on a personal link's token; 404 (or a malformed token): nobody."""
        headers = {INTERNAL_HEADER: signer.sign(SYSTEM, "clients")}
        url = pool.url("clients", "/internal/v1/clients/links/resolve")
        async with pool.session.post(url, json={"token": token}, headers=headers) as response:
            if response.status in (404, 422):
                return None
            response.raise_for_status()
            data = orjson.loads(await response.read())
            return LinkHolder(uuid.UUID(data["tenant_id"]), uuid.UUID(data["client_id"]))

    async def owner_lookup(service: str, path: str) -> dict[str, Any] | None:
        return await get_json(service, path, SYSTEM)

    async def fetch_jwks() -> dict[str, Any]:
        data = await get_json("identity", "/auth/jwks", ANONYMOUS)
        return data or {"keys": []}

    async def fetch_openapi(service: str) -> dict[str, Any] | None:
        try:
            return await get_json(service, "/openapi.json", SYSTEM)
        except Exception:
            return None

    policy = PolicyTable()
    access = AccessMap(owner_lookup)
    proxy = GatewayProxy(
        policy,
        AccessTokenVerifier(fetch_jwks, settings.token_issuer),
        access,
        signer,
        pool,
        Limits(
            max_body_bytes=settings.max_body_bytes,
            per_address=RateLimiter(settings.rate_per_address, settings.burst_per_address),
            per_user=RateLimiter(settings.rate_per_user, settings.burst_per_user),
            per_link_address=RateLimiter(
                settings.rate_per_link_address, settings.burst_per_link_address
            ),
        ),
        resolve_link,
    )
    components: list[Component] = [pool, AccessMapFeed(access, settings.amqp_url)]
    components += [UpstreamReadiness(name, pool) for name in pool.base_urls]
    app = create_service_app(
        settings, title="School CRM gateway", components=components, database=False, openapi=False
    )
    merged = MergedOpenApi(policy, list(pool.base_urls), fetch_openapi, app.version)

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> JSONResponse:
        return JSONResponse(await merged.document())

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="School CRM API",
            swagger_js_url=f"{DOCS_ASSETS}swagger-ui-bundle.js",
            swagger_css_url=f"{DOCS_ASSETS}swagger-ui.css",
            swagger_favicon_url=f"{DOCS_ASSETS}favicon-32x32.png",
        )

    # Swagger UI's files are served from here: /docs works with no network.
    app.mount(DOCS_ASSETS.rstrip("/"), StaticFiles(directory=SWAGGER_UI), name="docs-assets")

    # Proxied requests skip the framework's routing: the policy table is their router.
    app.add_middleware(ProxyDispatch, proxy=RequestContextMiddleware(proxy, service="gateway"))
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["authorization", "content-type", "if-match", "idempotency-key"],
            expose_headers=["x-request-id", "etag", "retry-after"],
            max_age=600,
        )
    app.state.upstreams = pool
    app.state.access_map = access
    app.state.policy = policy
    return app
