"""The app factory every service uses."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, Protocol

from fastapi import APIRouter, Depends, FastAPI

from crm_platform.body_limit import BodyLimit
from crm_platform.db import Database
from crm_platform.errors import install_problem_handlers
from crm_platform.fast_routes import FastRoute, FastRoutes
from crm_platform.health import ReadinessCheck
from crm_platform.health import router as health_router
from crm_platform.internal_auth import InternalTokenVerifier
from crm_platform.logs import configure_logging
from crm_platform.middleware import RequestContextMiddleware
from crm_platform.nul_guard import refuse_nul
from crm_platform.openapi import document_problems
from crm_platform.settings import ServiceSettings


class Component(Protocol):
    """Something that runs beside the HTTP app for its whole life (relay, consumers)."""

    name: str

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def ready(self) -> None: ...


ComponentsFactory = Callable[[ServiceSettings, Database], Sequence[Component]]


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    routers: Sequence[APIRouter] = (),
    components: ComponentsFactory | Sequence[Component] | None = None,
    version: str = "0.1.0",
    database: bool = True,
    openapi: bool = True,
    fast_routes: Sequence[FastRoute] = (),
) -> FastAPI:
    """A service's FastAPI app with health, problem+json errors and request ids.

    `database=False` is for an app with no database of its own (the gateway): no pool is
    opened, readiness has no "database" check, and its components are passed ready-made
    because there is no database to hand to a factory. `openapi=False` leaves /openapi.json
    and /docs to the caller (the gateway serves the merged document there). `fast_routes`
    answer their hot requests ahead of FastAPI (crm_platform.fast_routes).
    """
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    db = (
        Database(settings.resolved_database_url(), pool_size=settings.db_pool_size)
        if database
        else None
    )
    running: list[Component]
    if callable(components):
        if db is None:
            raise TypeError("an app without a database takes its components ready-made")
        running = list(components(settings, db))
    else:
        running = list(components or ())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        started: list[Component] = []
        try:
            for component in running:
                await component.start()
                started.append(component)
            freeze_startup_heap()
            yield
        finally:
            gc.unfreeze()
            for component in reversed(started):
                await component.stop()
            if db is not None:
                await db.dispose()

    app = FastAPI(
        title=title,
        version=version,
        lifespan=lifespan,
        openapi_url="/openapi.json" if openapi else None,
        docs_url="/docs" if openapi else None,
        redoc_url=None,
        # A trailing slash is another path (404): a redirect would carry this service's own
        # address out through the gateway.
        redirect_slashes=False,
        # Metrics are Prometheus's (middleware.py); FastAPI's OpenTelemetry hooks would only
        # look for a provider on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
        # What reaches a database holds no NUL (a 500 on PostgreSQL): 422 naming the field.
        dependencies=[Depends(refuse_nul)] if database else None,
    )
    app.state.settings = settings
    app.state.database = db
    app.state.components = running
    app.state.internal_verifier = InternalTokenVerifier(
        settings.internal_token_public_key,
        issuer=settings.internal_token_issuer,
        audience=settings.service_name,
    )
    checks: dict[str, ReadinessCheck] = {"database": db.ping} if db is not None else {}
    for component in running:
        checks[component.name] = component.ready
    app.state.readiness_checks = checks
    app.state.advisory_checks = frozenset(c.name for c in running if getattr(c, "advisory", False))
    if openapi:
        _document_problems(app)
    install_problem_handlers(app)
    if fast_routes:
        app.add_middleware(FastRoutes, routes=fast_routes)  # inside the request ids
    app.add_middleware(BodyLimit)  # inside the request ids, around the fast routes
    app.add_middleware(RequestContextMiddleware, service=settings.service_name)
    app.include_router(health_router)
    for router in routers:
        app.include_router(router)
    return app


def freeze_startup_heap() -> None:
    """Moves what start-up allocated (modules, templates, the app, pools) out of the garbage
    collector's way: a full collection then walks only what requests allocate. Unfrozen, the
    web's start-up heap (about 150,000 objects) made each full collection a pause of
    170-270 ms for the requests in flight. No collection first: start-up leaves little
    garbage, and a whole-heap collection would cost every test's app a fifth of a second."""
    gc.freeze()


def _document_problems(app: FastAPI) -> None:
    """The app's document with every operation's problem statuses (crm_platform.openapi)."""
    build = app.openapi

    def documented() -> dict[str, Any]:
        if app.openapi_schema is None:  # build() caches the plain document there first
            app.openapi_schema = document_problems(build())
        return app.openapi_schema

    app.openapi = documented  # type: ignore[method-assign]
