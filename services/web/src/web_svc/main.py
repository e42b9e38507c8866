"""create_app(): the web front-end. No database: it renders the gateway's API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles

from crm_platform.app import create_service_app
from web_svc.addresses import portal_sign_in
from web_svc.deps import CookieWriter, CsrfError, SignInNeededError, sign_in_redirect
from web_svc.gateway import ApiError, GatewayClient, GatewayUnreachableError
from web_svc.grid_cache import GridCache
from web_svc.pages import routers
from web_svc.render import Pages, refusal, render, words_for
from web_svc.sessions import Refresher, SessionBox
from web_svc.settings import Settings

DEFAULT_PORT = 8107
STATIC = Path(__file__).parent / "static"
# Pages repeat their markup row after row: the fastest level already shrinks a month's journal
# grid (about 95 KB) to about 4 KB, in half a millisecond.
GZIP_LEVEL = 1
GZIP_MINIMUM_BYTES = 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    gateway = GatewayClient(settings.gateway_url, settings.gateway_timeout_seconds)
    app = create_service_app(
        settings,
        title="School CRM web",
        routers=routers,
        components=[gateway],
        database=False,
        openapi=False,
    )
    box = SessionBox(settings.session_secret)
    app.state.gateway = gateway
    app.state.sessions = box
    app.state.refresher = Refresher()
    app.state.grid_cache = GridCache()
    app.state.pages = Pages(settings.mark_untranslated)
    for environment in app.state.pages.environments.values():
        environment.globals["portal_sign_in"] = portal_sign_in
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse("/app", status_code=303)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return RedirectResponse("/static/favicon.svg", status_code=301)

    @app.exception_handler(SignInNeededError)
    async def sign_in_needed(request: Request, exc: SignInNeededError) -> Response:
        return sign_in_redirect(request, exc.realm)

    @app.exception_handler(CsrfError)
    async def csrf_refused(request: Request, exc: CsrfError) -> Response:
        return render(request, "error.html", {"status": 403, "kind": "csrf"}, status_code=403)

    @app.exception_handler(GatewayUnreachableError)
    async def gateway_unreachable(request: Request, exc: GatewayUnreachableError) -> Response:
        return render(request, "error.html", {"status": 503, "kind": "api"}, status_code=503)

    @app.exception_handler(ApiError)
    async def api_refused(request: Request, exc: ApiError) -> Response:
        status = exc.status if exc.status in (403, 404, 409, 422, 429, 503) else 502
        return render(
            request,
            "error.html",
            {"status": status, "kind": "api", "detail": refusal(exc, words_for(request))},
            status_code=status,
        )

    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES, compresslevel=GZIP_LEVEL)
    app.add_middleware(CookieWriter, box=box)
    return app
