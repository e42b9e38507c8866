"""The portal's pages that ask for something: a make-up into a free seat, a change of the
card's details (staff approve it), and which notifications arrive where."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import PortalDep, csrf_guard
from web_svc.gateway import ApiError
from web_svc.pages.my_common import Family, P, client_id, family_of
from web_svc.pages.my_devices import devices_context
from web_svc.render import N_, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]

CATEGORIES = {
    "reminders": N_("Reminders: payments due, packs running out, make-ups expiring"),
    "news": N_("News from the school"),
}
CHANNELS = {
    "email": N_("Email"),
    "telegram": N_("Telegram"),
    "push": N_("Push notifications"),
    "sms": N_("SMS"),
}
PROFILE_FIELDS = ("first_name", "last_name", "phone", "email", "birthday")
FIELD_NAMES = {
    "first_name": N_("First name"),
    "last_name": N_("Last name"),
    "phone": N_("Phone"),
    "email": N_("Email"),
    "birthday": N_("Birthday"),
}
BOOKING_STATES = {
    "pending": N_("waiting for the school"),
    "booked": N_("booked"),
    "refused": N_("refused"),
    "cancelling": N_("cancelling"),
    "cancelled": N_("cancelled"),
}
REQUEST_STATES = {
    "confirming": N_("waiting for your code"),
    "sent": N_("sent"),
    "received": N_("with the school"),
    "approved": N_("approved"),
    "rejected": N_("rejected"),
    "refused": N_("refused"),
}


async def _makeups_page(
    request: Request, caller: PortalDep, family: Family, notice: str | None, status: int = 200
) -> Response:
    params = family.params()
    found, overview, attendance = await asyncio.gather(
        caller.get(f"{P}/makeups", **params),
        caller.get(f"{P}/overview", **params),
        caller.get(f"{P}/attendance", **params),
    )
    lessons = {lesson["lesson_id"]: lesson for lesson in overview["next_lessons"]}
    absences = {m["mark_id"]: m for m in attendance["marks"]}
    open_requests = {
        r["absence_mark_id"] for r in found["requests"] if r["status"] in ("pending", "booked")
    }
    context = family.context("/my/makeups") | {
        "credits": found["credits"],
        "requests": found["requests"],
        "open_requests": open_requests,
        "lessons": lessons,
        "absences": absences,
        "notice": notice,
        "booking_states": BOOKING_STATES,
    }
    return render(request, "my/makeups.html", context, status_code=status)


@router.get("/my/makeups")
async def makeups(
    request: Request, caller: PortalDep, client: str = "", booked: str = ""
) -> Response:
    _ = words_for(request)
    notice = _("Asked for. The school's journal confirms it in a moment.") if booked else None
    return await _makeups_page(request, caller, await family_of(caller, client), notice)


@router.get("/my/makeups/{mark_id}/seats")
async def seats(request: Request, caller: PortalDep, mark_id: str, client: str = "") -> Response:
    if client_id(mark_id) is None:
        return render(request, "error.html", {"status": 404, "kind": "api"}, status_code=404)
    family = await family_of(caller, client)
    found, listed = await asyncio.gather(
        caller.get(f"{P}/makeups/{mark_id}/seats", **family.params()),
        caller.get(f"{P}/makeups", **family.params()),
    )
    credit = next((c for c in listed["credits"] if c["mark_id"] == mark_id), None)
    context = family.context("/my/makeups") | {
        "credit": credit,
        "mark_id": mark_id,
        "seats": found["items"],
        "key": uuid.uuid4().hex,
    }
    return render(request, "my/seats.html", context)


@router.post("/my/makeups")
async def book(
    request: Request,
    caller: PortalDep,
    mark_id: Text,
    lesson_id: Text,
    key: Text,
    client: str = "",
) -> Response:
    """The form's key makes a second press (or a reload) the same booking, not a second one."""
    family = await family_of(caller, client)
    _ = words_for(request)
    try:
        await caller.call(
            "POST",
            f"{P}/makeups",
            params=family.params(),
            json={"mark_id": mark_id, "lesson_id": lesson_id},
            headers={"Idempotency-Key": key[:100] or uuid.uuid4().hex},
        )
    except ApiError as exc:
        return await _makeups_page(request, caller, family, refusal(exc, _), status=400)
    return RedirectResponse(family.href("/my/makeups", booked=1), status_code=303)


@router.post("/my/makeups/{request_id}/cancel")
async def cancel(
    request: Request, caller: PortalDep, request_id: str, client: str = ""
) -> Response:
    family = await family_of(caller, client)
    _ = words_for(request)
    if client_id(request_id) is not None:
        try:
            await caller.call(
                "POST", f"{P}/makeups/{request_id}/cancel", params=family.params(), json={}
            )
        except ApiError as exc:
            return await _makeups_page(request, caller, family, refusal(exc, _), status=400)
    return RedirectResponse(family.href("/my/makeups"), status_code=303)


PROFILE_NOTICES = {
    "sent": N_("Sent. The school checks the change and you see its answer here."),
    "codes": N_("We sent a code to each new address: enter it below to send the change."),
    "resent": N_("A new code is on its way."),
    "confirmed": N_("Confirmed. The change goes to the school."),
}


async def _profile_page(
    request: Request,
    caller: PortalDep,
    family: Family,
    error: str | None = None,
    notice: str = "",
    status: int = 200,
) -> Response:
    profile = await caller.get(f"{P}/profile", **family.params())
    context = family.context("/my/profile") | {
        "profile": profile,
        "error": error,
        "notice": PROFILE_NOTICES.get(notice),
        "field_names": FIELD_NAMES,
        "request_states": REQUEST_STATES,
    }
    return render(request, "my/profile.html", context, status_code=status)


@router.get("/my/profile")
async def profile(
    request: Request, caller: PortalDep, client: str = "", notice: str = ""
) -> Response:
    return await _profile_page(request, caller, await family_of(caller, client), notice=notice)


@router.post("/my/profile")
async def change_profile(
    request: Request,
    caller: PortalDep,
    client: str = "",
    first_name: Optional = "",
    last_name: Optional = "",
    phone: Optional = "",
    email: Optional = "",
    birthday: Optional = "",
) -> Response:
    """Only what differs from the card is asked for; staff approve or reject it."""
    family = await family_of(caller, client)
    _ = words_for(request)
    current = await caller.get(f"{P}/profile", **family.params())
    typed = dict(zip(PROFILE_FIELDS, (first_name, last_name, phone, email, birthday), strict=True))
    changes = {
        name: value.strip()
        for name, value in typed.items()
        if value.strip() and value.strip() != (current.get(name) or "")
    }
    if not changes:
        error = _("Change at least one detail before sending.")
        return await _profile_page(request, caller, family, error=error, status=400)
    try:
        asked = await caller.call(
            "POST", f"{P}/profile/requests", params=family.params(), json=changes
        )
        for login in asked["unconfirmed"]:
            await caller.call("POST", f"{P}/contacts/codes", json={"login": login})
    except ApiError as exc:
        return await _profile_page(request, caller, family, error=refusal(exc, _), status=400)
    notice = "codes" if asked["unconfirmed"] else "sent"
    return RedirectResponse(family.href("/my/profile", notice=notice), status_code=303)


@router.post("/my/profile/code")
async def send_contact_code(
    request: Request, caller: PortalDep, login: Text, client: str = ""
) -> Response:
    """Another code to a new email or phone a change waits for."""
    family = await family_of(caller, client)
    try:
        await caller.call("POST", f"{P}/contacts/codes", json={"login": login})
    except ApiError as exc:
        error = refusal(exc, words_for(request))
        return await _profile_page(request, caller, family, error=error, status=400)
    return RedirectResponse(family.href("/my/profile", notice="resent"), status_code=303)


@router.post("/my/profile/confirm")
async def confirm_contact(
    request: Request, caller: PortalDep, login: Text, code: Text, client: str = ""
) -> Response:
    family = await family_of(caller, client)
    proof = {"login": login, "code": code.strip()}
    try:
        await caller.call("POST", f"{P}/contacts/proofs", json=proof)
    except ApiError as exc:
        error = refusal(exc, words_for(request))
        return await _profile_page(request, caller, family, error=error, status=400)
    return RedirectResponse(family.href("/my/profile", notice="confirmed"), status_code=303)


def _opted_out(found: dict[str, Any]) -> set[tuple[str, str]]:
    return {(o["category"], o["channel"]) for o in found.get("items", [])}


@router.get("/my/preferences")
async def preferences(
    request: Request, caller: PortalDep, client: str = "", saved: str = "", push: str = ""
) -> Response:
    family = await family_of(caller, client)
    found, devices = await asyncio.gather(
        caller.get(f"{P}/preferences", **family.params()),
        devices_context(caller, family, push),
    )
    context = (
        family.context("/my/preferences")
        | devices
        | {
            "categories": CATEGORIES,
            "channels": CHANNELS,
            "opted_out": _opted_out(found),
            "saved": bool(saved),
        }
    )
    return render(request, "my/preferences.html", context)


@router.post("/my/preferences")
async def save_preferences(request: Request, caller: PortalDep, client: str = "") -> Response:
    """A ticked box: that category arrives on that channel. Only the changes are sent."""
    family = await family_of(caller, client)
    form = await request.form()
    wanted = {(c, ch) for c in CATEGORIES for ch in CHANNELS if form.get(f"{c}.{ch}") == "on"}
    before = _opted_out(await caller.get(f"{P}/preferences", **family.params()))
    for category in CATEGORIES:
        for channel in CHANNELS:
            off = (category, channel) not in wanted
            if off != ((category, channel) in before):
                body = {
                    "client_id": family.current,
                    "category": category,
                    "channel": channel,
                    "opted_out": off,
                }
                await caller.call("PUT", f"{P}/preferences", json=body)
    return RedirectResponse(family.href("/my/preferences", saved=1), status_code=303)
