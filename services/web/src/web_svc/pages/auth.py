"""Sign-in, sign-out, password reset, invitation acceptance and organisation sign-up."""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, csrf_guard, read_session, set_language_cookie, set_session
from web_svc.gateway import ApiError, GatewayClient, answer, caller_address
from web_svc.i18n import LOCALES
from web_svc.render import refusal, render, words_for
from web_svc.sessions import Session

router = APIRouter(dependencies=[Depends(csrf_guard)])
Text = Annotated[str, Form()]
CURRENCIES = ("EUR", "PLN", "USD", "GBP", "UAH", "RUB", "BYN", "KZT", "CZK")
TIME_ZONES = (
    "Europe/Warsaw",
    "Europe/Kyiv",
    "Europe/Moscow",
    "Europe/Minsk",
    "Europe/Berlin",
    "Europe/London",
    "Europe/Prague",
    "Asia/Almaty",
    "America/New_York",
    "UTC",
)


def _safe_next(target: str | None) -> str:
    """Only our own staff pages: never an open redirect."""
    if target and target.startswith("/app") and not target.startswith("//"):
        return target
    return "/app"


async def staff_session(gateway: GatewayClient, tokens: dict[str, Any]) -> Session:
    """A staff session with the person and the organisation the pages show."""
    session = Session(
        realm="staff",
        access=str(tokens["access_token"]),
        refresh=str(tokens["refresh_token"]),
        expires_at=time.time() + int(tokens["expires_in"]),
    )
    auth = session.access
    me = answer(await gateway.call("GET", "/api/v1/identity/me", token=auth))
    org = answer(await gateway.call("GET", "/api/v1/identity/organisation", token=auth))
    session.person = {
        "id": me["id"],
        "name": me["name"],
        "email": me["email"],
        "role": me["role"],
        "finances_hidden": me.get("finances_hidden", False),
    }
    session.org = {k: org[k] for k in ("id", "name", "currency", "time_zone", "locale")}
    return session


@router.get("/app/signin")
async def sign_in_page(request: Request, next: str | None = None) -> Response:
    return render(request, "app/signin.html", {"next": _safe_next(next), "error": None})


@router.post("/app/signin")
async def sign_in(
    request: Request, email: Text, password: Text, next: Annotated[str, Form()] = "/app"
) -> Response:
    gateway: GatewayClient = request.app.state.gateway
    _ = words_for(request)
    try:
        tokens = answer(
            await gateway.call(
                "POST",
                "/auth/token",
                json={"email": email, "password": password},
                caller_address=caller_address(request.headers),
            )
        )
        session = await staff_session(gateway, tokens)
    except ApiError as exc:
        error = (
            _("Too many attempts. Try again later.")
            if exc.status == 429
            else _("The email or the password is wrong.")
        )
        context = {"next": _safe_next(next), "error": error, "email": email}
        return render(request, "app/signin.html", context, status_code=400)
    set_session(request, "staff", session)
    return RedirectResponse(_safe_next(next), status_code=303)


@router.post("/app/signout")
async def sign_out(request: Request) -> Response:
    session = read_session(request, "staff")
    if session is not None:
        gateway: GatewayClient = request.app.state.gateway
        # Revokes the refresh token (and its family) at the identity service.
        await gateway.call("POST", "/auth/signout", json={"refresh_token": session.refresh})
    set_session(request, "staff", None)
    return RedirectResponse("/app/signin", status_code=303)


@router.post("/app/language")
async def language(request: Request, lang: Text, back: Annotated[str, Form()] = "/app") -> Response:
    """The person's own choice of language: kept in their session (or a cookie before
    they sign in)."""
    chosen = lang if lang in LOCALES else None
    response = RedirectResponse(_safe_next(back) if back.startswith("/app") else "/app", 303)
    session = read_session(request, "staff")
    if session is not None:
        session.lang = chosen
        set_session(request, "staff", session)
    elif chosen:
        set_language_cookie(request, response, chosen)
    return response


@router.get("/app/password-reset")
async def reset_page(request: Request) -> Response:
    return render(request, "app/reset.html", {"sent": False, "error": None})


@router.post("/app/password-reset")
async def reset(request: Request, email: Text) -> Response:
    gateway: GatewayClient = request.app.state.gateway
    response = await gateway.call(
        "POST",
        "/auth/password-reset",
        json={"email": email},
        caller_address=caller_address(request.headers),
    )
    if response.status_code == 422:
        _ = words_for(request)
        error = _("Enter a valid email address.")
        return render(request, "app/reset.html", {"sent": False, "error": error}, status_code=400)
    # The same answer whether or not the address is known.
    return render(request, "app/reset.html", {"sent": True, "error": None})


@router.get("/app/password-reset/confirm")
async def reset_confirm_page(request: Request, token: str = "") -> Response:
    return render(request, "app/set_password.html", _set_password("reset", token))


@router.get("/app/invite")
async def invite_page(request: Request, token: str = "") -> Response:
    return render(request, "app/set_password.html", _set_password("invite", token))


def _set_password(kind: str, token: str, error: str | None = None) -> dict[str, Any]:
    return {"kind": kind, "token": token, "error": error}


@router.post("/app/password-reset/confirm")
async def reset_confirm(request: Request, token: Text, password: Text) -> Response:
    return await _choose_password(request, "reset", token, password)


@router.post("/app/invite")
async def accept_invite(request: Request, token: Text, password: Text) -> Response:
    return await _choose_password(request, "invite", token, password)


async def _choose_password(request: Request, kind: str, token: str, password: str) -> Response:
    gateway: GatewayClient = request.app.state.gateway
    path = "/auth/password-reset/confirm" if kind == "reset" else "/auth/invites/accept"
    _ = words_for(request)
    if len(password) < 10:
        error = _("The password must have at least 10 characters.")
        return render(
            request, "app/set_password.html", _set_password(kind, token, error), status_code=400
        )
    try:
        answer(await gateway.call("POST", path, json={"token": token, "password": password}))
    except ApiError:
        error = _("This link is no longer valid. Ask for a new one.")
        return render(
            request, "app/set_password.html", _set_password(kind, token, error), status_code=400
        )
    return render(request, "app/signin.html", {"next": "/app", "error": None, "done": kind})


@router.get("/app/signup")
async def sign_up_page(request: Request) -> Response:
    return render(request, "app/signup.html", _signup_context({}, None))


def _signup_context(values: dict[str, str], error: str | None) -> dict[str, Any]:
    return {
        "values": values,
        "error": error,
        "currencies": CURRENCIES,
        "zones": TIME_ZONES,
        "locales": LOCALES,
    }


@router.post("/app/signup")
async def sign_up(
    request: Request,
    organisation: Text,
    currency: Text,
    time_zone: Text,
    locale: Text,
    name: Text,
    email: Text,
    password: Text,
) -> Response:
    gateway: GatewayClient = request.app.state.gateway
    values = {
        "organisation": organisation,
        "currency": currency,
        "time_zone": time_zone,
        "locale": locale,
        "name": name,
        "email": email,
    }
    body = {
        "organisation": {
            "name": organisation,
            "currency": currency,
            "time_zone": time_zone,
            "locale": locale,
        },
        "owner": {"name": name, "email": email, "password": password},
    }
    try:
        signed_up = answer(
            await gateway.call(
                "POST", "/auth/signup", json=body, caller_address=caller_address(request.headers)
            )
        )
        session = await staff_session(gateway, signed_up["tokens"])
    except ApiError as exc:
        _ = words_for(request)
        error = _("This email is already registered.") if exc.status == 409 else refusal(exc, _)
        return render(request, "app/signup.html", _signup_context(values, error), status_code=400)
    set_session(request, "staff", session)
    return RedirectResponse("/app", status_code=303)


__all__ = ["Caller", "router"]
