"""Groups and the journal grid: a group's month, clients x lessons, one request per cell."""

from __future__ import annotations

import asyncio
import calendar
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import escape

from web_svc.deps import StaffDep, csrf_guard
from web_svc.gateway import ApiError, answer, items
from web_svc.grid_cache import GridCache, Kept
from web_svc.i18n import Formats
from web_svc.journal_rows import Rows
from web_svc.marks import CYCLE, NAMES, STATUSES, Cells, letters
from web_svc.refusals import not_saved
from web_svc.render import formats, page_locale, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
J = "/api/v1/journal"
Text = Annotated[str, Form()]
WRITERS = ("owner", "admin")
MARKERS = ("owner", "admin", "teacher")


def whole(typed: str) -> int | str:
    """A whole number typed in a form (the API takes numbers as numbers); anything else
    goes as typed, for the API to name the field."""
    cleaned = typed.strip()
    return int(cleaned) if cleaned.isdigit() else cleaned


def school_today(caller: Any) -> date:
    """Today where the organisation is (the server's own date may already be tomorrow)."""
    return formats("en", caller.session).today()


def month_of(value: str | None, today: date) -> date:
    if value:
        try:
            year, month = (int(p) for p in value.split("-")[:2])
            return date(year, month, 1)
        except ValueError:
            pass
    return today.replace(day=1)


def month_end(first: date) -> date:
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def shift(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@router.get("/app/groups")
async def groups(request: Request, caller: StaffDep, archived: bool = False) -> Response:
    page = await caller.get(f"{J}/groups", archived=archived or None, limit=200)
    branches: list[dict[str, Any]] = []
    if caller.role in WRITERS:
        branches = items(await caller.get("/api/v1/identity/branches"))
    today = school_today(caller)
    context: dict[str, Any] = {
        "groups": items(page),
        "branches": branches,
        "today": today,
        "can_write": caller.role in WRITERS,
        "archived": archived,
        "error": None,
        "values": {},
    }
    return render(request, "app/groups.html", context)


@router.post("/app/groups")
async def create_group(
    request: Request,
    caller: StaffDep,
    name: Text,
    branch_id: Text,
    starts_on: Text,
    capacity: Annotated[str, Form()] = "",
    weekday: Annotated[str, Form()] = "",
    starts_at: Annotated[str, Form()] = "",
    duration_minutes: Annotated[str, Form()] = "60",
) -> Response:
    body: dict[str, Any] = {"name": name, "branch_id": branch_id, "starts_on": starts_on}
    if capacity.strip():
        body["capacity"] = whole(capacity)
    if weekday and starts_at:
        body["schedule"] = [
            {
                "weekday": whole(weekday),
                "starts_at": starts_at,
                "duration_minutes": whole(duration_minutes),
            }
        ]
    try:
        group = await caller.post(f"{J}/groups", body)
        if body.get("schedule"):
            first = max(date.fromisoformat(starts_on), school_today(caller).replace(day=1))
            period = {"from_date": str(first), "until_date": str(month_end(shift(first, 1)))}
            await caller.post(f"{J}/groups/{group['id']}/lessons/generate", period)
    except ApiError as exc:
        page = await caller.get(f"{J}/groups", limit=200)
        branches = items(await caller.get("/api/v1/identity/branches"))
        context = {
            "groups": items(page),
            "branches": branches,
            "today": school_today(caller),
            "can_write": True,
            "archived": False,
            "error": refusal(exc, words_for(request)),
            "values": {"name": name, "starts_on": starts_on, "capacity": capacity},
        }
        return render(request, "app/groups.html", context, status_code=400)
    return RedirectResponse(f"/app/groups/{group['id']}/journal", status_code=303)


@router.get("/app/groups/{group_id}/journal")
async def journal(
    request: Request, caller: StaffDep, group_id: str, month: str | None = None
) -> Response:
    fmt = formats("en", caller.session)
    first = month_of(month, fmt.today())
    context = await grid_context(caller, group_id, first)
    return render(request, "app/journal.html", context)


async def grid_context(caller: Any, group_id: str, first: date) -> dict[str, Any]:
    locale = page_locale(caller.request, caller.session)
    words = words_for(caller.request)
    month_param = first.strftime("%Y-%m")
    cells = Cells(locale, words, caller.role in MARKERS)
    fmt = formats(locale, caller.session)
    kept = await _grid(caller, group_id, first, cells, fmt, words)
    grid = kept.grid
    return {
        "grid": grid,
        "group": grid["group"],
        "first": first,
        "month_param": month_param,
        "previous": shift(first, -1).strftime("%Y-%m"),
        "next": shift(first, 1).strftime("%Y-%m"),
        "statuses": STATUSES,
        "names": NAMES,
        "letters": letters(locale),
        "cells": cells,
        "rows": kept.rows,
        "can_write": caller.role in WRITERS,
        "can_mark": caller.role in MARKERS,
        "finances": not (caller.role == "teacher" and caller.session.person.get("finances_hidden")),
    }


async def _grid(
    caller: Any,
    group_id: str,
    first: date,
    cells: Cells,
    fmt: Formats,
    words: Callable[[str], str],
) -> Kept:
    """The grid and its rows' HTML: those this process holds when the journal answers that
    they are still the same (304), else as the journal sends them now."""
    path = f"{J}/groups/{group_id}/journal"
    period = {"from_date": str(first), "until_date": str(month_end(first))}
    store: GridCache = caller.request.app.state.grid_cache
    key = (path, str(first), fmt.locale, str(cells.can_mark), fmt.time_zone, fmt.currency)
    held = store.get(key)
    headers = {"If-None-Match": held.tag} if held is not None else {}
    response = await caller.respond("GET", path, params=period, headers=headers)
    if response.status_code == 304 and held is not None:
        return held
    grid = answer(response)
    rows = Rows(words, fmt, cells, grid["group"]["id"], first.strftime("%Y-%m"))
    made = Kept(response.headers.get("etag", ""), grid, rows.all(grid["rows"], grid["lessons"]))
    if made.tag:
        store.put(key, made)
    return made


@router.post("/app/groups/{group_id}/cells")
async def set_cell(
    request: Request,
    caller: StaffDep,
    group_id: str,
    lesson_id: Text,
    client_id: Text,
    version: Annotated[str, Form()] = "0",
    current: Annotated[str, Form()] = "",
    status: Annotated[str, Form()] = "",
    row_state: Annotated[str, Form()] = "active",
) -> Response:
    """One cell: `status` sets it (`clear` empties it); without one, a click moves it on.

    If-Match carries the version the page showed, so a cell someone else changed in the
    meantime is not overwritten: the page gets the cell as it is now, and says so."""
    _ = words_for(request)
    target: str | None
    if status == "clear":
        target = None
    elif status in STATUSES:
        target = status
    else:
        target = CYCLE.get(current or None, "attended")
    path = f"{J}/lessons/{lesson_id}/marks/{client_id}"
    headers = {"If-Match": f'"{int(version or 0)}"'}
    cell: dict[str, Any] | None
    message: str
    try:
        if target is None:
            if not current:
                cell, message = None, _("The cell is empty.")
            else:
                await caller.call("DELETE", path, headers=headers)
                cell, message = None, _("Mark removed.")
        else:
            body: dict[str, Any] = {"status": target}
            if target == "makeup_attended" or (target == "attended" and row_state == "guest"):
                makeup = await _open_makeup(caller, client_id)
                if makeup is None:
                    said = escape(_("This client has no make-up to use."))  # the page's words
                    raise ApiError(409, {"detail": said})
                body = {"status": "makeup_attended", "makeup_of": makeup}
            cell = await caller.call("PUT", path, json=body, headers=headers)
            message = _("Marked: %(status)s.") % {"status": _(NAMES[cell["status"]])}
    except ApiError as exc:
        cell = await _cell_now(caller, lesson_id, client_id)
        if exc.status == 412:
            message = _("Someone else changed this cell. It shows their mark now.")
        else:
            message = not_saved(exc, _)
        response = _cell(request, caller, group_id, lesson_id, client_id, cell, message, row_state)
        response.headers["HX-Trigger"] = "cell-refused"
        return response
    response = _cell(request, caller, group_id, lesson_id, client_id, cell, message, row_state)
    response.headers["HX-Trigger"] = "marked"
    return response


async def _open_makeup(caller: Any, client_id: str) -> str | None:
    page = await caller.get(f"{J}/makeups", client_id=client_id, limit=1)
    items = page.get("items", [])
    return str(items[0]["mark_id"]) if items else None


async def _cell_now(caller: Any, lesson_id: str, client_id: str) -> dict[str, Any] | None:
    page = await caller.get(f"{J}/lessons/{lesson_id}/marks")
    for mark in items(page):
        if mark["client_id"] == client_id:
            return dict(mark)
    return None


def _cell(
    request: Request,
    caller: Any,
    group_id: str,
    lesson_id: str,
    client_id: str,
    cell: dict[str, Any] | None,
    message: str,
    row_state: str,
) -> Response:
    locale = page_locale(request, caller.session)
    context = {
        "group": {"id": group_id},
        "lesson": {"lesson_id": lesson_id, "cancelled": False},
        "row": {"client_id": client_id, "state": row_state},
        "cell": cell,
        "cells": Cells(locale, words_for(request), can_mark=True),
        "message": message,
    }
    return render(request, "app/cell.html", context)


@router.get("/app/groups/{group_id}/rows/{client_id}/summary")
async def row_summary(
    request: Request,
    caller: StaffDep,
    group_id: str,
    client_id: str,
    month: str,
    balance: str = "",
    classes_left: str = "",
) -> Response:
    """A row's balance and classes left, once they have moved (they follow a mark through
    billing's events): waits a few seconds for a change before answering what is there. A
    changed answer asks again shortly, until the figures stay put (several marks in a row
    reach billing one by one)."""
    first = month_of(month, school_today(caller))
    row: dict[str, Any] | None = None
    moved = False
    for _ in range(10):
        grid = await caller.get(
            f"{J}/groups/{group_id}/journal",
            from_date=str(first),
            until_date=str(month_end(first)),
        )
        row = next((r for r in grid["rows"] if r["client_id"] == client_id), None)
        moved = row is not None and (str(row["balance_minor"]), str(row["classes_left"])) != (
            balance,
            classes_left,
        )
        if row is None or moved:
            break
        await asyncio.sleep(0.4)
    context = {
        "row": row,
        "group": {"id": group_id},
        "month_param": month,
        "finances": row is not None and row.get("balance_minor") is not None,
        "moving": moved,
    }
    return render(request, "app/row_summary.html", context)


@router.post("/app/groups/{group_id}/enrolments")
async def enrol(
    request: Request,
    caller: StaffDep,
    group_id: str,
    client_id: Text,
    from_date: Text,
    month: Annotated[str, Form()] = "",
) -> Response:
    await caller.post(
        f"{J}/groups/{group_id}/enrolments", {"client_id": client_id, "from_date": from_date}
    )
    return RedirectResponse(f"/app/groups/{group_id}/journal?month={month}", status_code=303)


@router.post("/app/groups/{group_id}/lessons")
async def add_lesson(
    request: Request,
    caller: StaffDep,
    group_id: str,
    lesson_date: Text,
    starts_at: Text,
    duration_minutes: Annotated[str, Form()] = "60",
) -> Response:
    await caller.post(
        f"{J}/groups/{group_id}/lessons",
        {
            "lesson_date": lesson_date,
            "starts_at": starts_at,
            "duration_minutes": whole(duration_minutes),
        },
    )
    month = lesson_date[:7]
    return RedirectResponse(f"/app/groups/{group_id}/journal?month={month}", status_code=303)


@router.post("/app/groups/{group_id}/lessons/generate")
async def generate(request: Request, caller: StaffDep, group_id: str, month: Text) -> Response:
    first = month_of(month, school_today(caller))
    await caller.post(
        f"{J}/groups/{group_id}/lessons/generate",
        {"from_date": str(first), "until_date": str(month_end(first))},
    )
    return RedirectResponse(f"/app/groups/{group_id}/journal?month={month}", status_code=303)


@router.get("/app/groups/{group_id}/enrol")
async def enrol_form(
    request: Request, caller: StaffDep, group_id: str, month: str = "", q: str = ""
) -> Response:
    clients = await caller.get("/api/v1/clients/clients", q=q or None, limit=50)
    first = month_of(month, school_today(caller))
    return render(
        request,
        "app/enrol.html",
        {
            "group_id": group_id,
            "clients": items(clients),
            "month_param": month,
            "q": q,
            "from_date": first,
        },
    )
