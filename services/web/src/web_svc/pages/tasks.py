"""My tasks today: the signed-in person's open tasks due today and overdue, marking one
done, and a new task on a client (assigned to oneself)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.render import N_, formats, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
CL = "/api/v1/clients"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
DONE = {"created": N_("The task is added."), "done": N_("The task is done.")}


async def _client(caller: Caller, client_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = await caller.get(f"{CL}/clients/{client_id}")
    except ApiError as exc:
        if exc.status in (403, 404):
            return None
        raise
    return found


async def _page(
    request: Request,
    caller: Caller,
    *,
    done: str = "",
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    today = formats("en", caller.session).today()
    mine, clients = await asyncio.gather(
        caller.get(
            f"{CL}/tasks", mine="true", status="open", due_until=today.isoformat(), limit=200
        ),
        caller.get(f"{CL}/clients", status="active", limit=200),
    )
    tasks = sorted(items(mine), key=lambda t: (t["due_date"], t["title"]))
    ids = sorted({t["client_id"] for t in tasks})
    cards = await asyncio.gather(*(_client(caller, i) for i in ids))
    names = {i: f"{c['first_name']} {c['last_name']}" for i, c in zip(ids, cards, strict=True) if c}
    _ = words_for(request)
    return render(
        request,
        "app/tasks.html",
        {
            "overdue": [t for t in tasks if t["due_date"] < today.isoformat()],
            "due_today": [t for t in tasks if t["due_date"] == today.isoformat()],
            "names": names,
            "clients": sorted(items(clients), key=lambda c: (c["last_name"], c["first_name"])),
            "today": today,
            "done": _(DONE[done]) if done in DONE else "",
            "error": error,
            "values": values or {},
            "can_write": caller.role in ("owner", "admin", "teacher"),
        },
        status_code=status_code,
    )


@router.get("/app/tasks")
async def my_tasks(request: Request, caller: StaffDep, done: str = "") -> Response:
    return await _page(request, caller, done=done)


@router.post("/app/tasks")
async def new_task(
    request: Request,
    caller: StaffDep,
    client_id: Text,
    title: Text,
    due_date: Text,
    kind: Optional = "task",
) -> Response:
    values = {"client_id": client_id, "title": title, "due_date": due_date, "kind": kind}
    body = {
        "title": title,
        "due_date": due_date,
        "kind": kind if kind in ("call", "task") else "task",
        "assignee_id": caller.session.person.get("id"),
    }
    try:
        await caller.post(f"{CL}/clients/{client_id}/tasks", body)
    except ApiError as exc:
        if exc.status not in (400, 404, 422):
            raise
        error = refusal(exc, words_for(request))
        return await _page(request, caller, error=error, values=values, status_code=400)
    return RedirectResponse("/app/tasks?done=created", status_code=303)


@router.post("/app/tasks/{task_id}/done")
async def mark_done(
    request: Request, caller: StaffDep, task_id: str, client_id: Text, version: Text
) -> Response:
    try:
        await caller.call(
            "PATCH",
            f"{CL}/clients/{client_id}/tasks/{task_id}",
            json={"status": "done"},
            headers={"If-Match": version.strip()},
        )
    except ApiError as exc:
        if exc.status not in (409, 412, 422):
            raise
        error = refusal(exc, words_for(request))
        return await _page(request, caller, error=error, status_code=400)
    return RedirectResponse("/app/tasks?done=done", status_code=303)
