"""Who is calling: the session of the realm, refreshed when its token runs out; CSRF."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request, Response
from fastapi.responses import RedirectResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web_svc.gateway import ApiError, GatewayClient, GatewayResponse, answer, caller_address
from web_svc.sessions import (
    COOKIES,
    CSRF_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    LANG_COOKIE,
    ORG_COOKIE,
    ORG_MAX_AGE_SECONDS,
    SESSION_MAX_AGE_SECONDS,
    Realm,
    Refresher,
    RefreshFailedError,
    Session,
    SessionBox,
)

SIGN_IN = {"staff": "/app/signin", "portal": "/my/signin"}


class SignInNeededError(Exception):
    def __init__(self, realm: Realm) -> None:
        super().__init__(realm)
        self.realm = realm


class CsrfError(Exception):
    pass


class Caller:
    """The signed-in person of one request, and the API in their name."""

    def __init__(self, request: Request, session: Session) -> None:
        self.request = request
        self.session = session
        self.gateway: GatewayClient = request.app.state.gateway
        self.refresher: Refresher = request.app.state.refresher

    @property
    def role(self) -> str:
        return str(self.session.person.get("role", ""))

    async def refresh(self) -> None:
        async def call(refresh_token: str) -> dict[str, Any]:
            response = await self.gateway.call(
                "POST",
                "/auth/refresh",
                json={"refresh_token": refresh_token},
                caller_address=caller_address(self.request.headers),
            )
            tokens: dict[str, Any] = answer(response)
            return tokens

        try:
            tokens = await self.refresher.tokens(self.session.refresh, call)
        except RefreshFailedError:
            set_session(self.request, self.session.realm, None)
            raise SignInNeededError(self.session.realm) from None
        self.session = self.session.with_tokens(tokens)
        set_session(self.request, self.session.realm, self.session)

    async def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return answer(await self.respond(method, path, **kwargs))

    async def respond(self, method: str, path: str, **kwargs: Any) -> GatewayResponse:
        """The gateway's answer as it came (a 304 or its headers matter to the page)."""
        if self.session.needs_refresh():
            await self.refresh()
        address = caller_address(self.request.headers)
        response = await self.gateway.call(
            method, path, token=self.session.access, caller_address=address, **kwargs
        )
        if response.status_code == 401:
            await self.refresh()
            response = await self.gateway.call(
                method, path, token=self.session.access, caller_address=address, **kwargs
            )
            if response.status_code == 401:
                set_session(self.request, self.session.realm, None)
                raise SignInNeededError(self.session.realm)
        return response

    async def get(self, path: str, **params: Any) -> Any:
        clean = {k: v for k, v in params.items() if v not in (None, "", [])}
        return await self.call("GET", path, params=clean)

    async def post(self, path: str, body: Any = None, **kwargs: Any) -> Any:
        return await self.call("POST", path, json=body if body is not None else {}, **kwargs)


def read_session(request: Request, realm: Realm) -> Session | None:
    box: SessionBox = request.app.state.sessions
    return box.open(request.cookies.get(COOKIES[realm][0]), realm)


def set_session(request: Request, realm: Realm, session: Session | None) -> None:
    """Written to the response as the cookie (or its removal) once the page is done."""
    request.state.session_out = (realm, session)
    request.state.session = session


def _caller(realm: Realm) -> Callable[[Request], Awaitable[Caller]]:
    async def dependency(request: Request) -> Caller:
        session = read_session(request, realm)
        if session is None:
            raise SignInNeededError(realm)
        request.state.session = session
        if realm == "portal":
            remember_org(request, session.org.get("id"))
        return Caller(request, session)

    return dependency


staff_caller = _caller("staff")
portal_caller = _caller("portal")
StaffDep = Annotated[Caller, Depends(staff_caller)]
PortalDep = Annotated[Caller, Depends(portal_caller)]


async def csrf_guard(request: Request) -> None:
    """Every state-changing request proves it came from our own page."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None:
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    box: SessionBox = request.app.state.sessions
    if not box.csrf_valid(request.cookies.get(CSRF_COOKIE), submitted):
        raise CsrfError()


def remember_org(request: Request, org_id: str | None) -> None:
    """The portal's organisation, kept in its own long-lived cookie once the page is done."""
    if org_id:
        request.state.portal_org = str(org_id)


def remembered_org(request: Request) -> str | None:
    return request.cookies.get(ORG_COOKIE) or None


def over_https(request: Request) -> bool:
    return _forwarded_proto(request.scope) == "https"


def set_language_cookie(request: Request, response: Response, lang: str) -> None:
    """The choice of language before signing in: a year, and Secure as the sessions are."""
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        samesite="lax",
        httponly=True,
        secure=over_https(request),
    )


def sign_in_redirect(request: Request, realm: Realm) -> Response:
    target = SIGN_IN[realm]
    if request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        target += f"?next={quote(here)}"
    if request.headers.get("hx-request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


class CookieWriter:
    """Pure ASGI: sets the CSRF cookie when missing and the session cookie a page changed."""

    def __init__(self, app: ASGIApp, box: SessionBox) -> None:
        self.app = app
        self.box = box

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        cookies = _cookies(scope)
        csrf = cookies.get(CSRF_COOKIE)
        fresh_csrf = not csrf or not self.box.csrf_valid(csrf, csrf)
        state["csrf"] = self.box.new_csrf() if fresh_csrf else csrf
        secure = _forwarded_proto(scope) == "https"

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if fresh_csrf:
                    headers.append(_set_cookie(CSRF_COOKIE, state["csrf"], "/", secure, None))
                org = state.get("portal_org")
                if org and org != cookies.get(ORG_COOKIE):
                    headers.append(_set_cookie(ORG_COOKIE, org, "/my", secure, ORG_MAX_AGE_SECONDS))
                out = state.get("session_out")
                if out is not None:
                    realm, session = out
                    name, path = COOKIES[realm]
                    if session is None:
                        headers.append(_set_cookie(name, "", path, secure, 0))
                    else:
                        value = self.box.seal(session)
                        headers.append(
                            _set_cookie(name, value, path, secure, SESSION_MAX_AGE_SECONDS)
                        )
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, sending)


def _cookies(scope: Scope) -> dict[str, str]:
    found: dict[str, str] = {}
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            for part in value.decode("latin-1").split(";"):
                name, _, content = part.strip().partition("=")
                if name:
                    found[name] = content
    return found


def _forwarded_proto(scope: Scope) -> str:
    for key, value in scope.get("headers", []):
        if key == b"x-forwarded-proto":
            return str(value.decode("latin-1")).split(",")[0].strip()
    return str(scope.get("scheme", "http"))


def _set_cookie(
    name: str, value: str, path: str, secure: bool, max_age: int | None
) -> tuple[bytes, bytes]:
    parts = [f"{name}={value}", f"Path={path}", "HttpOnly", "SameSite=Lax"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
        if max_age == 0:
            parts.append("Expires=Thu, 01 Jan 1970 00:00:00 GMT")
    if secure:
        parts.append("Secure")
    return (b"set-cookie", "; ".join(parts).encode("latin-1"))


def api_problem(exc: ApiError) -> str:
    return exc.detail


def now() -> float:
    return time.time()
