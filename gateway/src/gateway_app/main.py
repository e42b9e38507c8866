"""create_app(): the gateway's FastAPI app. It has no database; it is ready when every
upstream service is."""

from __future__ import annotations

from fastapi import FastAPI

from crm_platform.app import Component, create_service_app
from gateway_app.settings import GatewaySettings
from gateway_app.upstreams import UpstreamPool, UpstreamReadiness

DEFAULT_PORT = 8100


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()
    pool = UpstreamPool(
        settings.upstream_urls(),
        max_connections=settings.upstream_max_connections,
        timeout_seconds=settings.upstream_timeout_seconds,
    )
    components: list[Component] = [pool]
    components += [UpstreamReadiness(name, pool) for name in pool.base_urls]
    app = create_service_app(
        settings,
        title="School CRM gateway",
        components=components,
        database=False,
    )
    app.state.upstreams = pool
    return app
