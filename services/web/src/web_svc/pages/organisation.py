"""Organisation settings (owner and admins see them): name, time zone, language, branches
(add, rename), and the rules other services keep for the organisation: make-ups (journal),
absences and reminders (billing), quiet hours, SMS and channels (notifications). Each part is
saved through its own service's API, with its version where the service keeps one; the owner
changes them all, an admin the billing rules (as billing allows)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from web_svc.deps import Caller, StaffDep, csrf_guard, set_session
from web_svc.gateway import ApiError, items
from web_svc.i18n import LANGUAGE_NAMES, Translator
from web_svc.pages.auth import TIME_ZONES
from web_svc.pages.notify import CHANNELS
from web_svc.refusals import lead_of, reason
from web_svc.render import N_, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
ID = "/api/v1/identity"
NOTIFY = "/api/v1/notifications/settings"
JOURNAL = "/api/v1/journal/settings"
BILLING = "/api/v1/billing/settings"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
READERS = ("owner", "admin")
BILLING_WRITERS = ("owner", "admin")
CHANNEL_SLOTS = 4
# The fields whose refusal the page shows next to them.
SHOWN_BY_FIELD = {
    "makeup_days",
    "absence_uses_class",
    "reminder_lead_days",
    "quiet_hours",
    "sms_monthly_cap",
    "daily_news_cap",
    "channel_order",
}
DONE = {
    "organisation": N_("The organisation's settings are saved."),
    "branch": N_("The branch is saved."),
    "notifications": N_("The notification settings are saved."),
    "journal": N_("The make-up rule is saved."),
    "absence": N_("The absence rule is saved."),
    "reminders": N_("The reminder rule is saved."),
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
    errors: dict[str, Markup] | None = None,
    typed: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The page; after a refusal, `errors` by form field and what the person `typed`."""
    org, branches, notify, journal, billing = await asyncio.gather(
        caller.get(f"{ID}/organisation"),
        caller.get(f"{ID}/branches", limit=200),
        _quiet(caller.get(NOTIFY)),
        _quiet(caller.get(JOURNAL)),
        _quiet(caller.get(BILLING)),
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
            "journal": journal,
            "billing": billing,
            "order": _channel_slots(notify, typed),
            "channels": CHANNELS,
            "typed": typed or {},
            "errors": errors or {},
            "zones": zones,
            "locales": LANGUAGE_NAMES,
            "can_manage": caller.role == "owner",
            "can_bill": caller.role in BILLING_WRITERS,
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


def _channel_slots(notify: dict[str, Any] | None, typed: dict[str, str] | None) -> list[str]:
    """The channel in each place of the order, first to last ("" for a place left empty)."""
    if typed and "channel_1" in typed:
        chosen = [typed.get(f"channel_{n}", "") for n in range(1, CHANNEL_SLOTS + 1)]
    else:
        chosen = list((notify or {}).get("channel_order") or [])
    return (chosen + [""] * CHANNEL_SLOTS)[:CHANNEL_SLOTS]


def field_errors(exc: ApiError, words: Translator) -> dict[str, Markup]:
    """The API's refusal by the form field it names (its first part: channel_order.1 is the
    channel order's), each reason in the page's words."""
    found: dict[str, list[Markup]] = {}
    for error in exc.problem.get("errors") or []:
        if isinstance(error, dict) and error.get("field"):
            field = str(error["field"]).split(".")[0]
            said = str(error.get("message") or "")
            found.setdefault(field, []).append(reason(str(error.get("type") or ""), said, words))
    return {field: Markup("; ").join(reasons) for field, reasons in found.items()}


def whole(typed: str) -> int | str:
    """A number typed in a form; anything else goes as typed, for the API to refuse by name."""
    value = typed.strip()
    return int(value) if value.isdecimal() else value


async def _save(
    request: Request,
    caller: Caller,
    method: str,
    path: str,
    typed: dict[str, str] | None = None,
    **kw: Any,
) -> Any:
    """The API's answer, or the page again with what it refused next to the fields."""
    try:
        return await caller.call(method, path, **kw)
    except ApiError as exc:
        if exc.status not in (400, 403, 409, 412, 422):
            raise
        _ = words_for(request)
        stale = exc.status == 412
        errors = {} if stale else field_errors(exc, _)
        if stale:
            error = _("Someone changed these settings meanwhile: here they are as they are now.")
        elif errors and set(errors) <= SHOWN_BY_FIELD:
            error = lead_of(exc.status, _)  # each reason is next to its field
        else:
            error = refusal(exc, _)
        shown = None if stale else typed
        return await _page(
            request, caller, error=error, errors=errors, typed=shown, status_code=400
        )


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
    sms_monthly_cap: Text,
    daily_news_cap: Text,
    quiet_start: Optional = "",
    quiet_end: Optional = "",
    sms_enabled: Optional = "",
    channel_1: Optional = "",
    channel_2: Optional = "",
    channel_3: Optional = "",
    channel_4: Optional = "",
) -> Response:
    if caller.role not in READERS:
        return _not_found(request)
    slots = [channel_1, channel_2, channel_3, channel_4]
    quiet = {"start": quiet_start, "end": quiet_end} if quiet_start and quiet_end else None
    body = {
        "quiet_hours": quiet,
        "sms_enabled": bool(sms_enabled),
        "sms_monthly_cap": whole(sms_monthly_cap),
        "daily_news_cap": whole(daily_news_cap),
        "channel_order": [c for c in slots if c],
    }
    typed = {"sms_monthly_cap": sms_monthly_cap, "daily_news_cap": daily_news_cap}
    typed |= {f"channel_{n}": c for n, c in enumerate(slots, start=1)}
    saved = await _save(request, caller, "PATCH", NOTIFY, typed, json=body)
    if isinstance(saved, Response):
        return saved
    return RedirectResponse("/app/settings?done=notifications", status_code=303)


@router.post("/app/settings/journal")
async def save_journal(
    request: Request, caller: StaffDep, makeup_days: Text, version: Text
) -> Response:
    if caller.role not in READERS:
        return _not_found(request)
    saved = await _save(
        request,
        caller,
        "PATCH",
        JOURNAL,
        {"makeup_days": makeup_days},
        json={"makeup_days": whole(makeup_days)},
        headers={"If-Match": version.strip()},
    )
    if isinstance(saved, Response):
        return saved
    return RedirectResponse("/app/settings?done=journal", status_code=303)


@router.post("/app/settings/billing")
async def save_billing(
    request: Request,
    caller: StaffDep,
    version: Text,
    part: Text,
    reminder_lead_days: Optional = "",
    absence_uses_class: Optional = "",
) -> Response:
    """One of billing's two rules, each a form of its own: the absence rule or the lead time
    of reminders."""
    if caller.role not in READERS or part not in ("absence", "reminders"):
        return _not_found(request)
    if part == "absence":
        body: dict[str, Any] = {"absence_uses_class": bool(absence_uses_class)}
        typed = {"part": part, "absence_uses_class": absence_uses_class}
    else:
        body = {"reminder_lead_days": whole(reminder_lead_days)}
        typed = {"part": part, "reminder_lead_days": reminder_lead_days}
    saved = await _save(
        request,
        caller,
        "PATCH",
        BILLING,
        typed,
        json=body,
        headers={"If-Match": version.strip()},
    )
    if isinstance(saved, Response):
        return saved
    return RedirectResponse(f"/app/settings?done={part}", status_code=303)
