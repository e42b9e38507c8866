"""A group's weekly schedule (days, times, room, teacher), its teachers, and generating its
lessons for a period. The journal refuses a double booking; the page says which time clashed."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.pages.journal import month_end, month_of, shift, whole
from web_svc.pages.ops import (
    J,
    can_write,
    clash_lines,
    refused,
    staff_names,
    teachers,
    weekday_names,
)
from web_svc.render import formats, page_locale, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
Text = Annotated[str, Form()]
BLANK_ROWS = 2
SLOT_FIELDS = ("weekday", "starts_at", "duration_minutes", "room_id", "teacher_id")


async def schedule_context(caller: Caller, group_id: str, first: date) -> dict[str, Any]:
    group = await caller.get(f"{J}/groups/{group_id}")
    rooms, lessons, names, people = await asyncio.gather(
        caller.get(f"{J}/rooms", branch_id=group["branch_id"], limit=200),
        caller.get(
            f"{J}/groups/{group_id}/lessons",
            from_date=str(first),
            until_date=str(month_end(first)),
        ),
        staff_names(caller),
        teachers(caller),
    )
    locale = page_locale(caller.request, caller.session)
    room_list = [r for r in items(rooms) if not r["archived"]]
    blank = {"weekday": "", "starts_at": "", "duration_minutes": 60}
    return {
        "group": group,
        "slots": list(group["schedule"]) + [dict(blank) for _ in range(BLANK_ROWS)],
        "rooms": room_list,
        "room_names": {r["id"]: r["name"] for r in items(rooms)},
        "teachers": people,
        "names": names,
        "lessons": items(lessons),
        "weekdays": weekday_names(locale),
        "first": first,
        "month_param": first.strftime("%Y-%m"),
        "previous": shift(first, -1).strftime("%Y-%m"),
        "next": shift(first, 1).strftime("%Y-%m"),
        "until": month_end(first),
        "can_write": can_write(caller),
        "error": None,
        "clashes": [],
        "notice": None,
    }


@router.get("/app/groups/{group_id}/schedule")
async def schedule(
    request: Request,
    caller: StaffDep,
    group_id: str,
    month: str | None = None,
    saved: str = "",
    made: str = "",
    skipped: str = "",
) -> Response:
    _ = words_for(request)
    fmt = formats(page_locale(request, caller.session), caller.session)
    context = await schedule_context(caller, group_id, month_of(month, fmt.today()))
    if saved:
        context["notice"] = _("Schedule saved.")
    elif made:
        context["notice"] = _("Lessons added: %(made)s. Already there: %(skipped)s.") % {
            "made": made,
            "skipped": skipped or "0",
        }
    return render(request, "app/schedule.html", context)


def slots_of(form: Any) -> list[dict[str, Any]]:
    """The schedule's rows as typed: a row without a day is left out."""
    columns = {name: form.getlist(name) for name in SLOT_FIELDS}
    rows = []
    for i, day in enumerate(columns["weekday"]):
        if not str(day).strip():
            continue
        row: dict[str, Any] = {"weekday": whole(str(day))}
        row["starts_at"] = str(columns["starts_at"][i]) if i < len(columns["starts_at"]) else ""
        minutes = columns["duration_minutes"]
        row["duration_minutes"] = whole(str(minutes[i])) if i < len(minutes) else 60
        for name in ("room_id", "teacher_id"):
            value = str(columns[name][i]) if i < len(columns[name]) else ""
            if value:
                row[name] = value
        rows.append(row)
    return rows


@router.post("/app/groups/{group_id}/schedule")
async def save_schedule(
    request: Request,
    caller: StaffDep,
    group_id: str,
    version: Text,
    month: Annotated[str, Form()] = "",
    group_room_id: Annotated[str, Form()] = "",
) -> Response:
    form = await request.form()
    body: dict[str, Any] = {
        "schedule": slots_of(form),
        "teacher_ids": [str(t) for t in form.getlist("teacher_ids") if t],
        "room_id": group_room_id or None,
    }
    try:
        await caller.call(
            "PATCH",
            f"{J}/groups/{group_id}",
            json=body,
            headers={"If-Match": f'"{whole(version)}"'},
        )
    except ApiError as exc:
        return await _refused(request, caller, group_id, month, exc, body["schedule"])
    return RedirectResponse(
        f"/app/groups/{group_id}/schedule?month={month}&saved=1", status_code=303
    )


@router.post("/app/groups/{group_id}/generate")
async def generate(
    request: Request,
    caller: StaffDep,
    group_id: str,
    from_date: Text,
    until_date: Text,
) -> Response:
    try:
        made = await caller.post(
            f"{J}/groups/{group_id}/lessons/generate",
            {"from_date": from_date, "until_date": until_date},
        )
    except ApiError as exc:
        return await _refused(request, caller, group_id, from_date[:7], exc, None)
    return RedirectResponse(
        f"/app/groups/{group_id}/schedule?month={from_date[:7]}"
        f"&made={len(made['created'])}&skipped={made['skipped']}",
        status_code=303,
    )


async def _refused(
    request: Request,
    caller: Caller,
    group_id: str,
    month: str,
    exc: ApiError,
    typed: list[dict[str, Any]] | None,
) -> Response:
    _ = words_for(request)
    fmt = formats(page_locale(request, caller.session), caller.session)
    context = await schedule_context(caller, group_id, month_of(month, fmt.today()))
    if exc.status == 412:
        context["error"] = _("Someone else changed this group meanwhile. Here it is as it is now.")
    else:
        context["error"] = refused(exc, _)
        context["clashes"] = clash_lines(exc, _, fmt, context["weekdays"])
        if typed is not None:  # the rows as typed, to fix rather than type again
            context["slots"] = typed + [
                {"weekday": "", "starts_at": "", "duration_minutes": 60}
                for _row in range(BLANK_ROWS)
            ]
    return render(request, "app/schedule.html", context, status_code=409)
