"""A group's details (name, programme, branch, capacity, ages, dates) changed with the
journal's version check, and the group archived or restored."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.pages.journal import whole
from web_svc.pages.ops import J, can_write
from web_svc.render import refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
Optional = Annotated[str, Form()]
# The form's fields, each sent as typed, or as null when emptied where the journal allows it.
NUMBERS = ("capacity", "age_min", "age_max")
CLEARABLE = ("programme", "ends_on", *NUMBERS)


async def _page(
    request: Request,
    caller: Caller,
    group_id: str,
    error: str | None = None,
    notice: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    group, branches = await asyncio.gather(
        caller.get(f"{J}/groups/{group_id}"),
        caller.get("/api/v1/identity/branches", limit=200),
    )
    context: dict[str, Any] = {
        "group": group,
        "branches": items(branches),
        "can_write": can_write(caller),
        "error": error,
        "notice": notice,
        "values": values or {},
    }
    return render(request, "app/group_details.html", context, status_code=status_code)


@router.get("/app/groups/{group_id}/details")
async def details(request: Request, caller: StaffDep, group_id: str, done: str = "") -> Response:
    _ = words_for(request)
    said = {
        "saved": _("Group saved."),
        "archived": _("The group is archived."),
        "restored": _("The group is restored."),
    }
    return await _page(request, caller, group_id, notice=said.get(done))


def change_of(form: dict[str, str]) -> dict[str, Any]:
    """The PATCH body: whole numbers as numbers, emptied optional fields as null, the rest
    as typed, for the journal to judge and name."""
    body: dict[str, Any] = {}
    for field, typed in form.items():
        value = typed.strip()
        if not value:
            if field in CLEARABLE:
                body[field] = None
            continue
        body[field] = whole(value) if field in NUMBERS else value
    return body


@router.post("/app/groups/{group_id}/details")
async def save(
    request: Request,
    caller: StaffDep,
    group_id: str,
    version: Annotated[str, Form()],
    name: Optional = "",
    programme: Optional = "",
    branch_id: Optional = "",
    capacity: Optional = "",
    age_min: Optional = "",
    age_max: Optional = "",
    starts_on: Optional = "",
    ends_on: Optional = "",
) -> Response:
    _ = words_for(request)
    form = {
        "name": name,
        "programme": programme,
        "branch_id": branch_id,
        "capacity": capacity,
        "age_min": age_min,
        "age_max": age_max,
        "starts_on": starts_on,
        "ends_on": ends_on,
    }
    try:
        await _patch(caller, group_id, version, change_of(form))
    except ApiError as exc:
        message = (
            _("Someone else changed this group meanwhile. Here it is as it is now.")
            if exc.status == 412
            else refusal(exc, _)
        )
        kept = None if exc.status == 412 else form
        return await _page(request, caller, group_id, message, values=kept, status_code=400)
    return RedirectResponse(f"/app/groups/{group_id}/details?done=saved", status_code=303)


@router.post("/app/groups/{group_id}/archive")
async def archive(
    request: Request,
    caller: StaffDep,
    group_id: str,
    version: Annotated[str, Form()],
    archived: Annotated[str, Form()],
) -> Response:
    _ = words_for(request)
    to_archive = archived == "1"
    try:
        await _patch(caller, group_id, version, {"archived": to_archive})
    except ApiError as exc:
        return await _page(request, caller, group_id, refusal(exc, _), status_code=400)
    done = "archived" if to_archive else "restored"
    return RedirectResponse(f"/app/groups/{group_id}/details?done={done}", status_code=303)


async def _patch(caller: Caller, group_id: str, version: str, body: dict[str, Any]) -> None:
    await caller.call(
        "PATCH",
        f"{J}/groups/{group_id}",
        json=body,
        headers={"If-Match": f'"{whole(version)}"'},
    )
