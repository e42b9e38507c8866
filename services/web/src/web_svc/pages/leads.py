"""Leads: the pipeline by stage, a new lead, moving it, converting it into a client and
marking it lost with a reason; filtered by branch and source. Above them, portal sign-ups
whose email or phone is on several cards, each linked to the right card here."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.render import N_, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
LEADS = "/api/v1/clients/leads"
SIGNUPS = "/api/v1/clients/portal-signups"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
MANAGERS = ("owner", "admin")
OPEN_STAGES = ("new", "contacted", "trial")
STAGES = {
    "new": N_("New leads"),
    "contacted": N_("Contacted"),
    "trial": N_("Trial lesson"),
    "won": N_("Became clients"),
    "lost": N_("Lost"),
}
DONE = {
    "created": N_("The lead is saved."),
    "moved": N_("The lead is moved."),
    "lost": N_("The lead is marked lost."),
    "reopened": N_("The lead is reopened."),
    "linked": N_("The portal account is linked: the person can sign in now."),
}


async def _branches(caller: Caller) -> list[dict[str, Any]]:
    return items(await caller.get("/api/v1/identity/branches", limit=200))


async def _pipeline(
    request: Request,
    caller: Caller,
    filters: dict[str, str],
    *,
    done: str = "",
    error: str | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    async def stage(status: str) -> list[dict[str, Any]]:
        page = await caller.get(LEADS, status=status, limit=200, **filters)
        return items(page)

    branches, signups, *found = await asyncio.gather(
        _branches(caller), caller.get(SIGNUPS), *(stage(s) for s in STAGES)
    )
    by_stage = dict(zip(STAGES, found, strict=True))
    sources = sorted({lead["source"] for rows in found for lead in rows if lead.get("source")})
    if filters.get("source") and filters["source"] not in sources:
        sources.append(filters["source"])
    _ = words_for(request)
    return render(
        request,
        "app/leads.html",
        {
            "stages": STAGES,
            "open_stages": OPEN_STAGES,
            "by_stage": by_stage,
            "signups": items(signups),
            "branches": branches,
            "branch_names": {b["id"]: b["name"] for b in branches},
            "sources": sources,
            "filters": filters,
            "can_write": caller.role in MANAGERS,
            "done": _(DONE[done]) if done in DONE else "",
            "error": error,
            "values": values or {},
        },
        status_code=status_code,
    )


def _filters(branch_id: str, source: str) -> dict[str, str]:
    return {k: v.strip() for k, v in (("branch_id", branch_id), ("source", source)) if v.strip()}


@router.get("/app/leads")
async def leads(
    request: Request, caller: StaffDep, branch_id: str = "", source: str = "", done: str = ""
) -> Response:
    return await _pipeline(request, caller, _filters(branch_id, source), done=done)


@router.post("/app/leads")
async def new_lead(
    request: Request,
    caller: StaffDep,
    first_name: Text,
    last_name: Text,
    phone: Optional = "",
    email: Optional = "",
    source: Optional = "",
    branch_id: Optional = "",
    note: Optional = "",
) -> Response:
    values = {
        "first_name": first_name,
        "last_name": last_name,
        "phone": phone,
        "email": email,
        "source": source,
        "branch_id": branch_id,
        "note": note,
    }
    body = {k: v.strip() for k, v in values.items() if v.strip()}
    try:
        await caller.post(LEADS, body)
    except ApiError as exc:
        if exc.status not in (400, 409, 422):
            raise
        error = refusal(exc, words_for(request))
        return await _pipeline(request, caller, {}, error=error, values=values, status_code=400)
    return RedirectResponse("/app/leads?done=created", status_code=303)


@router.post("/app/leads/{lead_id}/stage")
async def move(
    request: Request,
    caller: StaffDep,
    lead_id: str,
    status: Text,
    version: Text,
    lost_reason: Optional = "",
    back: Optional = "",
) -> Response:
    """Moves the lead to another open stage, marks it lost (with the reason) or reopens it."""
    body: dict[str, str] = {"status": status}
    if status == "lost":
        body["lost_reason"] = lost_reason.strip()
    try:
        await caller.call(
            "PATCH", f"{LEADS}/{lead_id}", json=body, headers={"If-Match": version.strip()}
        )
    except ApiError as exc:
        if exc.status not in (400, 409, 412, 422):
            raise
        _ = words_for(request)
        error = (
            _("Someone changed this lead meanwhile: here it is as it is now.")
            if exc.status == 412
            else refusal(exc, _)
        )
        return await _pipeline(request, caller, {}, error=error, status_code=400)
    done = "lost" if status == "lost" else ("moved" if back != "reopen" else "reopened")
    return RedirectResponse(f"/app/leads?done={done}", status_code=303)


@router.post("/app/leads/{lead_id}/convert")
async def convert(request: Request, caller: StaffDep, lead_id: str) -> Response:
    """The lead becomes a client; their card opens."""
    try:
        lead = await caller.post(f"{LEADS}/{lead_id}/convert", {})
    except ApiError as exc:
        if exc.status not in (400, 409, 422):
            raise
        error = refusal(exc, words_for(request))
        return await _pipeline(request, caller, {}, error=error, status_code=400)
    return RedirectResponse(f"/app/clients/{lead['client_id']}?created=1", status_code=303)


@router.post("/app/portal-signups/{account_id}/link")
async def link_signup(
    request: Request, caller: StaffDep, account_id: str, client_id: Text
) -> Response:
    """The waiting portal account becomes this card's."""
    try:
        await caller.post(f"{SIGNUPS}/{account_id}/link", {"client_id": client_id})
    except ApiError as exc:
        if exc.status not in (400, 404, 409, 422):
            raise
        error = refusal(exc, words_for(request))
        return await _pipeline(request, caller, {}, error=error, status_code=400)
    return RedirectResponse("/app/leads?done=linked", status_code=303)
