"""A group's members and waitlist: its fill (seats taken of its capacity), transfers to another
group from a date, the waitlist in order (add, offer a seat, enrol, remove), and the group's
comments (on the group or a client of it) with their visibility to the client."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.pages.journal import whole
from web_svc.pages.lessons import toggle
from web_svc.pages.ops import MARKERS, J, can_write, client_names, post_comment, staff_names
from web_svc.render import formats, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]


def holds_seat(enrolment: dict[str, Any], today: date) -> bool:
    until = enrolment.get("until_date")
    return until is None or date.fromisoformat(str(until)) >= today


async def members_context(caller: Caller, group_id: str) -> dict[str, Any]:
    group, enrolments, waitlist, groups = await asyncio.gather(
        caller.get(f"{J}/groups/{group_id}"),
        caller.get(f"{J}/groups/{group_id}/enrolments", limit=200),
        caller.get(f"{J}/groups/{group_id}/waitlist"),
        caller.get(f"{J}/groups", limit=200),
    )
    today = formats("en", caller.session).today()
    rows, entries = items(enrolments), items(waitlist)
    names = await client_names(
        caller, group_id, [e["client_id"] for e in rows] + [w["client_id"] for w in entries]
    )
    current = [e for e in rows if holds_seat(e, today)]
    past = [e for e in rows if not holds_seat(e, today)]
    offered = sum(1 for w in entries if w["status"] == "offered")
    taken = len(current) + offered
    capacity = group.get("capacity")
    return {
        "group": group,
        "current": sorted(current, key=lambda e: names.get(e["client_id"], "")),
        "past": sorted(past, key=lambda e: str(e["until_date"]), reverse=True),
        "waitlist": entries,
        "clients": names,
        "groups": [g for g in items(groups) if g["id"] != group_id],
        "taken": taken,
        "offered": offered,
        "capacity": capacity,
        "free": None if capacity is None else max(capacity - taken, 0),
        "today": today,
        "can_write": can_write(caller),
        "result": None,
        "ok": True,
    }


async def _page(
    request: Request,
    caller: Caller,
    group_id: str,
    result: str | None = None,
    ok: bool = True,
    q: str = "",
) -> Response:
    context = await members_context(caller, group_id)
    context["result"], context["ok"], context["q"] = result, ok, q
    context["found"] = []
    if q.strip() and context["can_write"]:  # clients to add to the waitlist, as searched
        found = await caller.get("/api/v1/clients/clients", q=q.strip(), limit=20)
        context["found"] = items(found)
    return render(request, "app/members.html", context, status_code=200 if ok else 409)


@router.get("/app/groups/{group_id}/members")
async def members(
    request: Request, caller: StaffDep, group_id: str, done: str = "", q: str = ""
) -> Response:
    _ = words_for(request)
    said = {
        "transferred": _("Transferred."),
        "capacity": _("Capacity saved."),
        "waiting": _("Added to the waitlist."),
        "offered": _("Seat offered."),
        "enrolled": _("Enrolled from the waitlist."),
        "removed": _("Removed from the waitlist."),
    }
    return await _page(request, caller, group_id, said.get(done), q=q)


def _back(group_id: str, done: str) -> Response:
    return RedirectResponse(f"/app/groups/{group_id}/members?done={done}", status_code=303)


async def _try(request: Request, caller: Caller, group_id: str, done: str, call: Any) -> Response:
    try:
        await call
    except ApiError as exc:
        return await _page(request, caller, group_id, refusal(exc, words_for(request)), False)
    return _back(group_id, done)


@router.post("/app/groups/{group_id}/members/transfer")
async def transfer(
    request: Request,
    caller: StaffDep,
    group_id: str,
    enrolment_id: Text,
    to_group_id: Text,
    on_date: Text,
) -> Response:
    path = f"{J}/groups/{group_id}/enrolments/{enrolment_id}/transfer"
    body = {"to_group_id": to_group_id, "on_date": on_date}
    return await _try(request, caller, group_id, "transferred", caller.post(path, body))


@router.post("/app/groups/{group_id}/capacity")
async def capacity(
    request: Request, caller: StaffDep, group_id: str, capacity: Text, version: Text
) -> Response:
    """A larger capacity offers the freed seats to the waitlist, in order (the journal's rule)."""
    call = caller.call(
        "PATCH",
        f"{J}/groups/{group_id}",
        json={"capacity": whole(capacity) if capacity.strip() else None},
        headers={"If-Match": f'"{whole(version)}"'},
    )
    return await _try(request, caller, group_id, "capacity", call)


@router.post("/app/groups/{group_id}/waitlist")
async def join(
    request: Request, caller: StaffDep, group_id: str, client_id: Text, note: Optional = ""
) -> Response:
    body: dict[str, Any] = {"client_id": client_id}
    if note.strip():
        body["note"] = note.strip()
    call = caller.post(f"{J}/groups/{group_id}/waitlist", body)
    return await _try(request, caller, group_id, "waiting", call)


@router.post("/app/groups/{group_id}/waitlist/{entry_id}/{action}")
async def waitlist_action(
    request: Request,
    caller: StaffDep,
    group_id: str,
    entry_id: str,
    action: str,
    from_date: Optional = "",
) -> Response:
    path = f"{J}/groups/{group_id}/waitlist/{entry_id}"
    if action == "offer":
        return await _try(request, caller, group_id, "offered", caller.post(f"{path}/offer"))
    if action == "accept":
        body = {"from_date": from_date} if from_date else {}
        accept = caller.post(f"{path}/accept", body)
        return await _try(request, caller, group_id, "enrolled", accept)
    if action == "decline":
        return await _try(request, caller, group_id, "removed", caller.post(f"{path}/decline"))
    raise ApiError(404, {"title": "Not Found"})


# comments of the group
async def _comments(
    request: Request, caller: Caller, group_id: str, result: str | None = None, ok: bool = True
) -> Response:
    group, comments, names = await asyncio.gather(
        caller.get(f"{J}/groups/{group_id}"),
        caller.get(f"{J}/comments", group_id=group_id, limit=100),
        staff_names(caller),
    )
    rows = items(comments)
    clients = await client_names(caller, group_id, [c["client_id"] for c in rows if c["client_id"]])
    context = {
        "group": group,
        "comments": rows,
        "names": names,
        "clients": clients,
        "can_comment": caller.role in MARKERS,
        "comment_base": f"/app/groups/{group_id}/comments",
        "comment_target": "#comments-panel",
        "result": result,
        "ok": ok,
    }
    template = "app/group_comments.html"
    if request.headers.get("hx-request") == "true":
        template = "app/group_comments_panel.html"
    return render(request, template, context)


@router.get("/app/groups/{group_id}/comments")
async def group_comments(request: Request, caller: StaffDep, group_id: str) -> Response:
    return await _comments(request, caller, group_id)


@router.post("/app/groups/{group_id}/comments")
async def add_comment(
    request: Request,
    caller: StaffDep,
    group_id: str,
    body: Text,
    kind: Optional = "information",
    client_id: Optional = "",
    visible_to_client: Optional = "",
) -> Response:
    """On the group, or on one of its clients."""
    _ = words_for(request)
    try:
        await post_comment(caller, ("group", group_id), body, kind, client_id, visible_to_client)
    except ApiError as exc:
        return await _comments(request, caller, group_id, refusal(exc, _), False)
    return await _comments(request, caller, group_id, _("Comment added."))


@router.post("/app/groups/{group_id}/comments/{comment_id}")
async def group_comment_visibility(
    request: Request,
    caller: StaffDep,
    group_id: str,
    comment_id: str,
    version: Text,
    visible: Optional = "",
) -> Response:
    _ = words_for(request)
    try:
        await toggle(caller, comment_id, version, visible == "1")
    except ApiError as exc:
        return await _comments(request, caller, group_id, refusal(exc, _), False)
    said = _("The client sees this comment.") if visible == "1" else _("Hidden from the client.")
    return await _comments(request, caller, group_id, said)
