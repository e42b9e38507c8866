"""The card's "How to reach": how the client can be reached, as notifications says, and a
Telegram link staff hand to a client who is not bound. The card still renders when
notifications does not answer (or does not know the client yet), with a notice."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard, over_https
from web_svc.gateway import ApiError, GatewayUnreachableError
from web_svc.sessions import SessionBox

router = APIRouter(dependencies=[Depends(csrf_guard)])
NO = "/api/v1/notifications"
# A new Telegram link waits for the card in a sealed cookie, as a personal link does: it
# binds a chat once, so its address must not sit in the browser's history.
NEW_TELEGRAM_COOKIE = "crm_new_telegram_link"
NEW_TELEGRAM_SECONDS = 300


def _card(client_id: str) -> str:
    return f"/app/clients/{client_id}"


async def reach_of(request: Request, caller: Caller, client_id: str) -> dict[str, Any]:
    """{"state": "ok", "data": the answer}, else "unknown" (404: not known there yet, or not
    the caller's to see there) or "down" (no answer); with a Telegram link just issued."""
    box: SessionBox = request.app.state.sessions
    note = box.open_note(request.cookies.get(NEW_TELEGRAM_COOKIE), NEW_TELEGRAM_SECONDS)
    new_link = note if note and note.get("client_id") == client_id else None
    try:
        data = await caller.get(f"{NO}/clients/{client_id}/reach")
    except ApiError as exc:
        state = "unknown" if exc.status == 404 else "down"
        return {"state": state, "data": None, "new_link": new_link}
    except GatewayUnreachableError:
        return {"state": "down", "data": None, "new_link": new_link}
    return {"state": "ok", "data": data, "new_link": new_link}


def forget_new_link(request: Request, page: Response, client_id: str) -> None:
    """A new link is shown once: the card that showed it drops its cookie."""
    if NEW_TELEGRAM_COOKIE in request.cookies:
        page.delete_cookie(NEW_TELEGRAM_COOKIE, path=_card(client_id))


@router.post("/app/clients/{client_id}/telegram-link")
async def telegram_link(request: Request, caller: StaffDep, client_id: str) -> Response:
    """A single-use link that binds the client's Telegram chat, shown once on the card."""
    try:
        issued = await caller.post(f"{NO}/clients/{client_id}/telegram-link", {})
    except ApiError as exc:
        if exc.status != 409:  # 409: Telegram is not set up on this system
            raise
        return RedirectResponse(f"{_card(client_id)}?done=telegram-off", status_code=303)
    response = RedirectResponse(f"{_card(client_id)}?done=telegram-link", status_code=303)
    box: SessionBox = request.app.state.sessions
    note = {"client_id": client_id, "url": issued["url"], "expires_at": issued["expires_at"]}
    response.set_cookie(
        NEW_TELEGRAM_COOKIE,
        box.seal_note(note),
        max_age=NEW_TELEGRAM_SECONDS,
        path=_card(client_id),
        samesite="lax",
        httponly=True,
        secure=over_https(request),
    )
    return response
