"""Rooms by branch (list, add, rename) and a room's timetable: its weekly slots and the
lessons held in it over a period."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.pages.journal import whole
from web_svc.pages.ops import J, can_write, weekday_names
from web_svc.render import formats, page_locale, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
WEEK_DAYS = 7


async def _page(
    request: Request,
    caller: Caller,
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    rooms, branches = await asyncio.gather(
        caller.get(f"{J}/rooms", limit=200), caller.get("/api/v1/identity/branches", limit=200)
    )
    by_branch: dict[str, list[dict[str, Any]]] = {}
    for room in sorted(items(rooms), key=lambda r: r["name"].lower()):
        if not room["archived"]:
            by_branch.setdefault(str(room["branch_id"]), []).append(room)
    context = {
        "branches": items(branches),
        "branch_names": {str(b["id"]): b["name"] for b in items(branches)},
        "by_branch": by_branch,
        "can_write": can_write(caller),
        "error": error,
        "notice": notice,
    }
    return render(request, "app/rooms.html", context, status_code=status_code)


@router.get("/app/rooms")
async def rooms(request: Request, caller: StaffDep, added: str = "", renamed: str = "") -> Response:
    _ = words_for(request)
    notice = _("Room added.") if added else _("Room renamed.") if renamed else None
    return await _page(request, caller, notice=notice)


@router.post("/app/rooms")
async def add_room(
    request: Request, caller: StaffDep, branch_id: Text, name: Text, capacity: Optional = ""
) -> Response:
    body: dict[str, Any] = {"branch_id": branch_id, "name": name}
    if capacity.strip():
        body["capacity"] = whole(capacity)
    try:
        await caller.post(f"{J}/rooms", body)
    except ApiError as exc:
        return await _page(request, caller, error=refusal(exc, words_for(request)), status_code=400)
    return RedirectResponse("/app/rooms?added=1", status_code=303)


@router.post("/app/rooms/{room_id}")
async def rename_room(
    request: Request, caller: StaffDep, room_id: str, name: Text, version: Text
) -> Response:
    try:
        await caller.call(
            "PATCH",
            f"{J}/rooms/{room_id}",
            json={"name": name},
            headers={"If-Match": f'"{whole(version)}"'},
        )
    except ApiError as exc:
        _ = words_for(request)
        message = (
            _("Someone else changed this room meanwhile. Here it is as it is now.")
            if exc.status == 412
            else refusal(exc, _)
        )
        return await _page(request, caller, error=message, status_code=400)
    return RedirectResponse("/app/rooms?renamed=1", status_code=303)


def week_of(value: str | None, today: date) -> date:
    """The Monday of the week asked for (any day of it), else of this week."""
    try:
        day = date.fromisoformat(value) if value else today
    except ValueError:
        day = today
    return day - timedelta(days=day.weekday())


@router.get("/app/rooms/{room_id}")
async def timetable(
    request: Request, caller: StaffDep, room_id: str, week: str | None = None
) -> Response:
    """The room's week: what its groups' schedules take and the lessons actually held in it
    (cancelled ones struck through), so a free time is easy to find."""
    fmt = formats(page_locale(request, caller.session), caller.session)
    monday = week_of(week, fmt.today())
    sunday = monday + timedelta(days=WEEK_DAYS - 1)
    rooms, lessons, groups = await asyncio.gather(
        caller.get(f"{J}/rooms", limit=200),
        caller.get(f"{J}/rooms/{room_id}/lessons", from_date=str(monday), until_date=str(sunday)),
        caller.get(f"{J}/groups", limit=200),
    )
    room = next((r for r in items(rooms) if r["id"] == room_id), None)
    if room is None:
        raise ApiError(404, {"title": "Not Found"})
    weekly = [
        {**slot, "group": g}
        for g in items(groups)
        for slot in g["schedule"]
        if slot.get("room_id") == room_id
    ]
    weekly.sort(key=lambda s: (s["weekday"], s["starts_at"]))
    days = [monday + timedelta(days=i) for i in range(WEEK_DAYS)]
    by_day: dict[str, list[dict[str, Any]]] = {str(d): [] for d in days}
    for lesson in items(lessons):
        lesson["ends_at"] = ends_at(lesson["starts_at"], lesson["duration_minutes"])
        by_day.setdefault(str(lesson["lesson_date"]), []).append(lesson)
    context = {
        "room": room,
        "weekly": weekly,
        "days": days,
        "by_day": by_day,
        "weekdays": weekday_names(fmt.locale),
        "previous": str(monday - timedelta(days=WEEK_DAYS)),
        "next": str(monday + timedelta(days=WEEK_DAYS)),
        "monday": monday,
        "sunday": sunday,
    }
    return render(request, "app/room.html", context)


def ends_at(starts_at: str, minutes: int) -> str:
    hours, _, mins = starts_at.partition(":")
    end = int(hours) * 60 + int(mins) + int(minutes)
    return f"{end // 60 % 24:02d}:{end % 60:02d}"
