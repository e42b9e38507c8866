"""A client's family: relatives linked (a client already on the books, found by name, or a
new one), who pays for the family, and leaving it. Clients decides who may be linked: only
clients the caller sees, never another organisation's."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.render import refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
CL = "/api/v1/clients"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
WRITERS = ("owner", "admin", "teacher")  # as clients allows


async def _page(
    request: Request,
    caller: Caller,
    client_id: str,
    *,
    q: str = "",
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    client, family = await asyncio.gather(
        caller.get(f"{CL}/clients/{client_id}"), caller.get(f"{CL}/clients/{client_id}/family")
    )
    found: list[dict[str, Any]] = []
    if q.strip():
        members = {m["id"] for m in family["members"]} | {client_id}
        page = await caller.get(f"{CL}/clients", q=q.strip(), limit=20)
        found = [c for c in items(page) if c["id"] not in members]
    context = {
        "client": client,
        "family": family,
        "q": q,
        "found": found,
        "can_write": caller.role in WRITERS,
        "error": error,
        "notice": notice,
    }
    return render(request, "app/family.html", context, status_code=status_code)


@router.get("/app/clients/{client_id}/family")
async def family(
    request: Request, caller: StaffDep, client_id: str, q: str = "", done: str = ""
) -> Response:
    _ = words_for(request)
    said = {
        "linked": _("The relative is linked."),
        "payer": _("The payer is saved."),
        "left": _("The client left the family."),
    }
    return await _page(request, caller, client_id, q=q, notice=said.get(done))


async def _change(
    request: Request, caller: Caller, client_id: str, method: str, path: str, body: Any, done: str
) -> Response:
    _ = words_for(request)
    try:
        await caller.call(method, f"{CL}/clients/{client_id}/{path}", json=body)
    except ApiError as exc:
        return await _page(request, caller, client_id, error=refusal(exc, _), status_code=400)
    return RedirectResponse(f"/app/clients/{client_id}/family?done={done}", status_code=303)


@router.post("/app/clients/{client_id}/family/link")
async def link(request: Request, caller: StaffDep, client_id: str, relative_id: Text) -> Response:
    body = {"client_id": relative_id}
    return await _change(request, caller, client_id, "POST", "family", body, "linked")


@router.post("/app/clients/{client_id}/family/new")
async def add_new(
    request: Request,
    caller: StaffDep,
    client_id: str,
    first_name: Text,
    last_name: Text,
    phone: Optional = "",
    birthday: Optional = "",
) -> Response:
    new: dict[str, Any] = {"first_name": first_name, "last_name": last_name}
    if phone.strip():
        new["phone"] = phone.strip()
    if birthday.strip():
        new["birthday"] = birthday.strip()
    body = {"new_client": new}
    return await _change(request, caller, client_id, "POST", "family", body, "linked")


@router.post("/app/clients/{client_id}/family/payer")
async def payer(
    request: Request, caller: StaffDep, client_id: str, payer_id: Optional = ""
) -> Response:
    body = {"client_id": payer_id or None}
    return await _change(request, caller, client_id, "PUT", "family/payer", body, "payer")


@router.post("/app/clients/{client_id}/family/leave")
async def leave(request: Request, caller: StaffDep, client_id: str) -> Response:
    return await _change(request, caller, client_id, "DELETE", "family", None, "left")
