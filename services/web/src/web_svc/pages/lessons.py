"""One lesson of a group, in a dialog of the schedule page: cancel it (with a reason), record a
substitute teacher, and comments on the lesson or on one client's cell in it."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.pages.journal import month_of, whole
from web_svc.pages.ops import (
    MARKERS,
    J,
    can_write,
    client_names,
    post_comment,
    staff_names,
    teachers,
)
from web_svc.pages.schedule import schedule_context
from web_svc.render import formats, page_locale, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
CHANGED = "lesson-changed"


@router.get("/app/groups/{group_id}/lessons-table")
async def lessons_table(
    request: Request, caller: StaffDep, group_id: str, month: str | None = None
) -> Response:
    fmt = formats(page_locale(request, caller.session), caller.session)
    context = await schedule_context(caller, group_id, month_of(month, fmt.today()))
    return render(request, "app/lessons_table.html", context)


async def _panel(
    request: Request,
    caller: Caller,
    group_id: str,
    lesson_id: str,
    result: str | None = None,
    ok: bool = True,
) -> Response:
    lesson, comments, names, people, clients = await asyncio.gather(
        caller.get(f"{J}/lessons/{lesson_id}"),
        caller.get(f"{J}/comments", lesson_id=lesson_id, limit=50),
        staff_names(caller),
        teachers(caller),
        client_names(caller, group_id, []),
    )
    context = {
        "group_id": group_id,
        "lesson": lesson,
        "comments": items(comments),
        "names": names,
        "teachers": people,
        "clients": clients,
        "can_write": can_write(caller),
        "can_comment": caller.role in MARKERS,
        "comment_base": f"/app/groups/{group_id}/lessons/{lesson_id}/comments",
        "comment_target": "#dialog-body",
        "result": result,
        "ok": ok,
    }
    response = render(request, "app/lesson_panel.html", context)
    if result and ok:
        response.headers["HX-Trigger"] = CHANGED
    return response


@router.get("/app/groups/{group_id}/lessons/{lesson_id}/panel")
async def panel(request: Request, caller: StaffDep, group_id: str, lesson_id: str) -> Response:
    return await _panel(request, caller, group_id, lesson_id)


@router.post("/app/groups/{group_id}/lessons/{lesson_id}/cancel")
async def cancel(
    request: Request, caller: StaffDep, group_id: str, lesson_id: str, reason: Optional = ""
) -> Response:
    _ = words_for(request)
    body = {"reason": reason.strip()} if reason.strip() else {}
    try:
        await caller.post(f"{J}/lessons/{lesson_id}/cancel", body)
    except ApiError as exc:
        return await _panel(request, caller, group_id, lesson_id, refusal(exc, _), False)
    return await _panel(request, caller, group_id, lesson_id, _("Lesson cancelled."))


@router.post("/app/groups/{group_id}/lessons/{lesson_id}/teacher")
async def substitute(
    request: Request,
    caller: StaffDep,
    group_id: str,
    lesson_id: str,
    teacher_id: Text,
    version: Text,
) -> Response:
    """Who actually runs this one lesson: the group's schedule stays as it is."""
    _ = words_for(request)
    try:
        await caller.call(
            "PATCH",
            f"{J}/lessons/{lesson_id}",
            json={"teacher_id": teacher_id or None},
            headers={"If-Match": f'"{whole(version)}"'},
        )
    except ApiError as exc:
        message = (
            _("Someone else changed this lesson meanwhile. Here it is as it is now.")
            if exc.status == 412
            else _("Not saved: the teacher already has another lesson then.")
            if exc.status == 409 and "clash" in str(exc.problem.get("detail", ""))
            else refusal(exc, _)
        )
        return await _panel(request, caller, group_id, lesson_id, message, False)
    return await _panel(request, caller, group_id, lesson_id, _("Teacher changed for this lesson."))


@router.post("/app/groups/{group_id}/lessons/{lesson_id}/comments")
async def comment(
    request: Request,
    caller: StaffDep,
    group_id: str,
    lesson_id: str,
    body: Text,
    kind: Optional = "information",
    client_id: Optional = "",
    visible_to_client: Optional = "",
) -> Response:
    """On the lesson, or on one client's cell in it when a client is chosen."""
    _ = words_for(request)
    try:
        await post_comment(caller, ("lesson", lesson_id), body, kind, client_id, visible_to_client)
    except ApiError as exc:
        return await _panel(request, caller, group_id, lesson_id, refusal(exc, _), False)
    return await _panel(request, caller, group_id, lesson_id, _("Comment added."))


@router.post("/app/groups/{group_id}/lessons/{lesson_id}/comments/{comment_id}")
async def comment_visibility(
    request: Request,
    caller: StaffDep,
    group_id: str,
    lesson_id: str,
    comment_id: str,
    version: Text,
    visible: Optional = "",
) -> Response:
    _ = words_for(request)
    try:
        await toggle(caller, comment_id, version, visible == "1")
    except ApiError as exc:
        return await _panel(request, caller, group_id, lesson_id, refusal(exc, _), False)
    said = _("The client sees this comment.") if visible == "1" else _("Hidden from the client.")
    return await _panel(request, caller, group_id, lesson_id, said)


async def toggle(caller: Caller, comment_id: str, version: str, visible: bool) -> None:
    await caller.call(
        "PATCH",
        f"{J}/comments/{comment_id}",
        json={"visible_to_client": visible},
        headers={"If-Match": f'"{whole(version)}"'},
    )
