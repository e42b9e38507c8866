"""Organisation settings (owner and admins see them; the owner changes them): name, time
zone, language, branches (add, rename), and the notification settings (quiet hours, SMS)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard, set_session
from web_svc.gateway import ApiError, items
from web_svc.i18n import LANGUAGE_NAMES
from web_svc.pages.auth import TIME_ZONES
from web_svc.render import N_, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
ID = "/api/v1/identity"
NOTIFY = "/api/v1/notifications/settings"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
READERS = ("owner", "admin")
DONE = {
    "organisation": N_("The organisation's settings are saved."),
    "branch": N_("The branch is saved."),
    "notifications": N_("The notification settings are saved."),
}


def _not_found(request: Request) -> Response:
    return render(request, "error.html", {"status": 404, "kind": "page"}, status_code=404)


async def _quiet(call: Any) -> Any:
    """The notifications service may not know a new organisation yet: its part waits."""
    try:
        return await call
    except ApiError as exc:
        if exc.status in (403, 404, 503):
            return None
        raise


async def _page(
    request: Request,
    caller: Caller,
    *,
    done: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    org, branches, notify = await asyncio.gather(
        caller.get(f"{ID}/organisation"),
        caller.get(f"{ID}/branches", limit=200),
        _quiet(caller.get(NOTIFY)),
    )
    zones = list(TIME_ZONES)
    if org["time_zone"] not in zones:
        zones.insert(0, org["time_zone"])
    _ = words_for(request)
    return render(
        request,
        "app/settings.html",
        {
            "organisation": org,
            "branches": items(branches),
            "notify": notify,
            "zones": zones,
            "locales": LANGUAGE_NAMES,
            "can_manage": caller.role == "owner",
            "done": _(DONE[done]) if done in DONE else "",
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/app/settings")
async def settings(request: Request, caller: StaffDep, done: str = "") -> Response:
    if caller.role not in READERS:
        return _not_found(request)
    return await _page(request, caller, done=done)


async def _save(request: Request, caller: Caller, method: str, path: str, **kw: Any) -> Any:
    """The API's answer, or the page again with what it refused."""
    try:
        return await caller.call(method, path, **kw)
    except ApiError as exc:
        if exc.status not in (400, 403, 409, 412, 422):
            raise
        _ = words_for(request)
        error = (
            _("Someone changed these settings meanwhile: here they are as they are now.")
            if exc.status == 412
            else refusal(exc, _)
        )
        return await _page(request, caller, error=error, status_code=400)


@router.post("/app/settings/organisation")
async def save_organisation(
    request: Request, caller: StaffDep, name: Text, time_zone: Text, locale: Text, version: Text
) -> Response:
    if caller.role not in READERS:
        return _not_found(request)
    body = {"name": name, "time_zone": time_zone, "locale": locale}
    saved = await _save(
        request,
        caller,
        "PATCH",
        f"{ID}/organisation",
        json=body,
        headers={"If-Match": version.strip()},
    )
    if isinstance(saved, Response):
        return saved
    # The session carries the organisation the pages are drawn with: its new language and
    # time zone show from the next page on.
    session = caller.session
    session.org = {k: saved[k] for k in ("id", "name", "currency", "time_zone", "locale")}
    set_session(request, "staff", session)
    return RedirectResponse("/app/settings?done=organisation", status_code=303)


@router.post("/app/settings/branches")
async def add_branch(request: Request, caller: StaffDep, name: Text) -> Response:
    if caller.role not in READERS:
        return _not_found(request)
    saved = await _save(request, caller, "POST", f"{ID}/branches", json={"name": name})
    if isinstance(saved, Response):
        return saved
    return RedirectResponse("/app/settings?done=branch", status_code=303)


@router.post("/app/settings/branches/{branch_id}")
async def rename_branch(
    request: Request, caller: StaffDep, branch_id: str, name: Text, version: Text
) -> Response:
    if caller.role not in READERS:
        return _not_found(request)
    saved = await _save(
        request,
        caller,
        "PATCH",
        f"{ID}/branches/{branch_id}",
        json={"name": name},
        headers={"If-Match": version.strip()},
    )
    if isinstance(saved, Response):
        return saved
    return RedirectResponse("/app/settings?done=branch", status_code=303)


@router.post("/app/settings/notifications")
async def save_notifications(
    request: Request,
    caller: StaffDep,
    quiet_start: Optional = "",
    quiet_end: Optional = "",
    sms_enabled: Optional = "",
) -> Response:
    if caller.role not in READERS:
        return _not_found(request)
    quiet = {"start": quiet_start, "end": quiet_end} if quiet_start and quiet_end else None
    body = {"quiet_hours": quiet, "sms_enabled": bool(sms_enabled)}
    saved = await _save(request, caller, "PATCH", NOTIFY, json=body)
    if isinstance(saved, Response):
        return saved
    return RedirectResponse("/app/settings?done=notifications", status_code=303)
