"""Broadcasts (compose with the audience counted before sending, send, watch the progress,
cancel while sending) and the delivery log (filters, resending a failed message)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.pages.notify import CHANNELS, NO, STATUSES, TRIGGERS, field_errors, labels
from web_svc.render import formats, render

router = APIRouter(dependencies=[Depends(csrf_guard)])
CL = "/api/v1/clients"
Text = Annotated[str, Form()]
WAITING = ("queued", "deferred")


def audience_of(choice: str) -> dict[str, Any]:
    """The form's one audience select: "all", "tag:<id>" or "group:<id>"."""
    kind, _, ref = choice.partition(":")
    if kind in ("tag", "group") and ref:
        return {"kind": kind, "id": ref}
    return {"kind": "all"}


async def _choices(caller: Caller) -> tuple[list[Any], list[Any]]:
    tags, groups = await asyncio.gather(
        caller.get(f"{CL}/tags", limit=200), caller.get("/api/v1/journal/groups", limit=200)
    )
    return items(tags), items(groups)


async def _broadcasts_page(
    request: Request,
    caller: Caller,
    values: dict[str, str],
    errors: dict[str, Markup],
    status_code: int = 200,
) -> Response:
    (tags, groups), sent = await asyncio.gather(
        _choices(caller), caller.get(f"{NO}/broadcasts", limit=50)
    )
    return render(
        request,
        "app/notify_broadcasts.html",
        {"tags": tags, "groups": groups, "broadcasts": items(sent), "values": values}
        | {"errors": errors},
        status_code=status_code,
    )


@router.get("/app/notifications/broadcasts")
async def broadcasts(request: Request, caller: StaffDep) -> Response:
    return await _broadcasts_page(request, caller, {"audience": "all"}, {})


@router.post("/app/notifications/broadcasts/audience")
async def count_audience(request: Request, caller: StaffDep, audience: Text = "all") -> Response:
    """How many clients the chosen audience reaches now (htmx, on each change)."""
    counted = await caller.post(f"{NO}/broadcasts/audience", audience_of(audience))
    return render(request, "app/notify_audience.html", {"recipients": counted["recipients"]})


@router.post("/app/notifications/broadcasts")
async def send_broadcast(
    request: Request, caller: StaffDep, audience: Text, subject: Text, body: Text
) -> Response:
    payload = {"audience": audience_of(audience), "subject": subject, "body": body}
    try:
        sent = await caller.post(f"{NO}/broadcasts", payload)
    except ApiError as exc:
        if exc.status not in (400, 403, 404, 422):
            raise
        values = {"audience": audience, "subject": subject, "body": body}
        return await _broadcasts_page(request, caller, values, field_errors(exc, request), 422)
    return RedirectResponse(f"/app/notifications/broadcasts/{sent['id']}", status_code=303)


def _waiting(broadcast: dict[str, Any]) -> int:
    progress = broadcast.get("progress") or {}
    return sum(int(progress.get(s, 0)) for s in WAITING)


async def _one(request: Request, caller: Caller, broadcast_id: str, template: str) -> Response:
    broadcast = await caller.get(f"{NO}/broadcasts/{broadcast_id}")
    return render(
        request,
        template,
        {"b": broadcast, "waiting": _waiting(broadcast), "statuses": STATUSES},
    )


@router.get("/app/notifications/broadcasts/{broadcast_id}")
async def broadcast_page(request: Request, caller: StaffDep, broadcast_id: str) -> Response:
    return await _one(request, caller, broadcast_id, "app/notify_broadcast.html")


@router.get("/app/notifications/broadcasts/{broadcast_id}/progress")
async def broadcast_progress(request: Request, caller: StaffDep, broadcast_id: str) -> Response:
    return await _one(request, caller, broadcast_id, "app/notify_progress.html")


@router.post("/app/notifications/broadcasts/{broadcast_id}/cancel")
async def cancel_broadcast(request: Request, caller: StaffDep, broadcast_id: str) -> Response:
    await caller.post(f"{NO}/broadcasts/{broadcast_id}/cancel")
    return RedirectResponse(f"/app/notifications/broadcasts/{broadcast_id}", status_code=303)


def _day(typed: str) -> date | None:
    try:
        return date.fromisoformat(typed) if typed else None
    except ValueError:
        return None


@router.get("/app/notifications/log")
async def delivery_log(
    request: Request,
    caller: StaffDep,
    client_id: str = "",
    trigger: str = "",
    channel: str = "",
    status: str = "",
    since: str = "",
    until: str = "",
    cursor: str = "",
    resent: str = "",
) -> Response:
    zone = formats("en", caller.session).zone
    first, last = _day(since), _day(until)
    filters = {
        "client_id": client_id,
        "trigger": trigger if trigger in TRIGGERS else "",
        "channel": channel if channel in CHANNELS else "",
        "status": status if status in STATUSES else "",
        "since": first.isoformat() if first else "",
        "until": last.isoformat() if last else "",
    }
    query = {k: v for k, v in filters.items() if k not in ("since", "until")}
    if first:
        query["since"] = datetime.combine(first, time.min, zone).isoformat()
    if last:
        query["until"] = datetime.combine(last + timedelta(days=1), time.min, zone).isoformat()
    found, people = await asyncio.gather(
        caller.get(f"{NO}/deliveries", cursor=cursor or None, limit=50, **query),
        caller.get(f"{CL}/clients", limit=200),
    )
    clients = items(people)
    return render(
        request,
        "app/notify_log.html",
        {
            "messages": items(found),
            "next_cursor": found.get("next_cursor"),
            "filters": filters,
            "here": urlencode({k: v for k, v in filters.items() if v}),
            "clients": clients,
            "names": {c["id"]: f"{c['first_name']} {c['last_name']}" for c in clients},
            "resent": resent,
        }
        | labels(),
    )


@router.post("/app/notifications/log/{message_id}/resend")
async def resend(request: Request, caller: StaffDep, message_id: str, back: Text = "") -> Response:
    await caller.post(f"{NO}/deliveries/{message_id}/resend")
    joined = "&".join(p for p in (back, "resent=1") if p)
    return RedirectResponse(f"/app/notifications/log?{joined}", status_code=303)
