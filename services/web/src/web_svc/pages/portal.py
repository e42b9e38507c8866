"""The client portal's pages (/my): sign-in, sign-up with a one-time code, the overview with
the family switcher, and the read-only page behind an anonymous personal link. Made for
phones first; installable (a web app manifest). A separate realm and cookie from staff."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import JSONResponse, RedirectResponse

from web_svc.deps import (
    PortalDep,
    csrf_guard,
    read_session,
    remember_org,
    remembered_org,
    set_language_cookie,
    set_session,
)
from web_svc.gateway import ApiError, GatewayClient, answer, caller_address
from web_svc.i18n import LOCALES
from web_svc.pages.my_common import Family
from web_svc.render import refusal, render, words_for
from web_svc.sessions import LANG_COOKIE, Session

router = APIRouter(dependencies=[Depends(csrf_guard)])
P = "/portal/v1"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]


def _org(value: str | None) -> str | None:
    try:
        return str(uuid.UUID(str(value))) if value else None
    except ValueError:
        return None


def _safe_next(target: str | None) -> str:
    """Only the portal's own pages: never an open redirect."""
    if target and target.startswith("/my") and not target.startswith("//"):
        return target
    return "/my"


def _school(request: Request, org: str | None) -> str | None:
    """The organisation of the address, else the one this browser used the portal with."""
    found = _org(org) or _org(remembered_org(request))
    remember_org(request, found)
    return found


@router.get("/my/signin")
async def sign_in_page(request: Request, org: str = "", next: str = "") -> Response:
    context = {
        "org_id": _school(request, org),
        "error": None,
        "login": "",
        "next": _safe_next(next),
    }
    return render(request, "my/signin.html", context)


@router.post("/my/signin")
async def sign_in(
    request: Request, org_id: Text, login: Text, password: Text, next: Optional = "/my"
) -> Response:
    gateway: GatewayClient = request.app.state.gateway
    _ = words_for(request)
    organisation = _org(org_id)
    try:
        tokens = answer(
            await gateway.call(
                "POST",
                "/auth/portal/token",
                json={"organisation_id": organisation, "login": login, "password": password},
                caller_address=caller_address(request.headers),
            )
        )
    except ApiError as exc:
        error = (
            _("Too many attempts. Try again later.")
            if exc.status == 429
            else _("The login or the password is wrong.")
        )
        context = {"org_id": organisation, "error": error, "login": login, "next": _safe_next(next)}
        return render(request, "my/signin.html", context, status_code=400)
    session = Session(
        realm="portal",
        access=str(tokens["access_token"]),
        refresh=str(tokens["refresh_token"]),
        expires_at=time.time() + int(tokens["expires_in"]),
        person={"login": login},
        org={"id": organisation},
        lang=request.cookies.get(LANG_COOKIE),
    )
    set_session(request, "portal", session)
    remember_org(request, organisation)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/my/signout")
async def sign_out(request: Request) -> Response:
    session = read_session(request, "portal")
    org = session.org.get("id") if session else None
    if session is not None:
        gateway: GatewayClient = request.app.state.gateway
        await gateway.call("POST", "/auth/signout", json={"refresh_token": session.refresh})
    set_session(request, "portal", None)
    return RedirectResponse(f"/my/signin?org={org or ''}", status_code=303)


@router.post("/my/language")
async def language(request: Request, lang: Text, back: Optional = "/my") -> Response:
    chosen = lang if lang in LOCALES else None
    target = back if back.startswith("/my") and not back.startswith("//") else "/my"
    response = RedirectResponse(target, status_code=303)
    session = read_session(request, "portal")
    if session is not None:
        session.lang = chosen
        set_session(request, "portal", session)
    if chosen:
        set_language_cookie(request, response, chosen)
    return response


@router.get("/my/signup")
async def sign_up_page(request: Request, org: str = "") -> Response:
    context = {"org_id": _school(request, org), "step": "login", "login": "", "error": None}
    return render(request, "my/signup.html", context)


@router.post("/my/signup/code")
async def sign_up_code(request: Request, org_id: Text, login: Text) -> Response:
    """Step 1: a one-time code to the phone or the email (the same answer either way)."""
    gateway: GatewayClient = request.app.state.gateway
    organisation = _org(org_id)
    response = await gateway.call(
        "POST",
        "/auth/portal/codes",
        json={"organisation_id": organisation, "login": login, "purpose": "signup"},
        caller_address=caller_address(request.headers),
    )
    _ = words_for(request)
    step = "code" if response.status_code < 400 else "login"
    error = None if step == "code" else _("Check the phone or the email.")
    context = {"org_id": organisation, "step": step, "login": login, "error": error}
    return render(request, "my/signup.html", context, status_code=200 if not error else 400)


@router.post("/my/signup")
async def sign_up(
    request: Request,
    org_id: Text,
    login: Text,
    code: Text,
    first_name: Text,
    last_name: Text,
    password: Text,
) -> Response:
    """Step 2: the code proves the address; the school's records link the account."""
    gateway: GatewayClient = request.app.state.gateway
    organisation = _org(org_id)
    body = {
        "organisation_id": organisation,
        "login": login,
        "code": code.strip(),
        "first_name": first_name,
        "last_name": last_name,
        "password": password,
    }
    try:
        answer(await gateway.call("POST", "/auth/portal/signup", json=body))
    except ApiError as exc:
        _ = words_for(request)
        error = refusal(exc, _)
        context = {"org_id": organisation, "step": "code", "login": login, "error": error}
        return render(request, "my/signup.html", context, status_code=400)
    context = {"org_id": organisation, "step": "done", "login": login, "error": None}
    return render(request, "my/signup.html", context)


async def _overview(call: Any, client: str | None) -> dict[str, Any]:
    me, overview = await asyncio.gather(
        call("GET", f"{P}/me"), call("GET", f"{P}/overview", params={"client_id": client})
    )
    return {"me": me, "overview": overview}


@router.get("/my")
async def overview(request: Request, caller: PortalDep, client: str = "") -> Response:
    async def call(method: str, path: str, **kwargs: Any) -> Any:
        params = {k: v for k, v in (kwargs.pop("params", None) or {}).items() if v}
        return await caller.call(method, path, params=params or None, **kwargs)

    context = await _overview(call, _org(client))
    family = Family(context["me"], str(context["overview"]["client"]["client_id"]))
    context |= {"link_token": None} | family.context("/my")
    return render(request, "my/overview.html", context)


@router.get("/my/link/{token}")
async def personal_link(request: Request, token: str, client: str = "") -> Response:
    """The read-only page behind a client's anonymous personal link: no sign-in."""
    gateway: GatewayClient = request.app.state.gateway
    if not token.replace("-", "").replace("_", "").isalnum() or len(token) > 200:
        return render(request, "error.html", {"status": 404, "kind": "api"}, status_code=404)

    async def call(method: str, path: str, **kwargs: Any) -> Any:
        params = {k: v for k, v in (kwargs.pop("params", None) or {}).items() if v}
        linked = path.replace(f"{P}/", f"{P}/links/{token}/", 1)
        return answer(await gateway.call(method, linked, params=params or None))

    context = await _overview(call, _org(client))
    context |= {"link_token": token}
    return render(request, "my/overview.html", context)


@router.get("/my/manifest.webmanifest")
async def manifest(request: Request) -> Response:
    _ = words_for(request)
    return JSONResponse(
        {
            "name": _("School CRM"),
            "short_name": _("My school"),
            "start_url": "/my",
            "scope": "/my",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#1f5fbf",
            "icons": [{"src": "/static/favicon.svg", "sizes": "any", "type": "image/svg+xml"}],
        },
        media_type="application/manifest+json",
    )
