"""The start page: the four-step path with what is done so far."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import StaffDep, csrf_guard
from web_svc.render import N_, render

router = APIRouter(dependencies=[Depends(csrf_guard)])

# (key, title, explanation, where, what the API lists when the step is done)
STEPS = (
    (
        "clients",
        N_("Add clients"),
        N_("Everyone who takes lessons, with a phone or an email."),
        "/app/clients/new",
        "/api/v1/clients/clients",
    ),
    (
        "services",
        N_("Add services"),
        N_("What you sell: single lessons, packs of classes, subscriptions."),
        "/app/catalogue",
        "/api/v1/billing/catalogue",
    ),
    (
        "assign",
        N_("Assign services to clients"),
        N_("Sell a pack to a client from the client's card."),
        "/app/clients",
        "/api/v1/billing/reports/packs",
    ),
    (
        "payments",
        N_("Record payments"),
        N_("Money received: the balance and the reminders follow by themselves."),
        "/app/clients",
        "/api/v1/billing/payments",
    ),
)


@router.get("/app")
async def home(request: Request, caller: StaffDep) -> Response:
    if caller.role not in ("owner", "admin"):
        return RedirectResponse("/app/groups", status_code=303)

    async def done(path: str) -> bool:
        try:
            page: dict[str, Any] = await caller.get(path, limit=1)
        except Exception:
            return False
        return bool(page.get("items"))

    flags = await asyncio.gather(*(done(step[4]) for step in STEPS))
    steps = [
        {"key": s[0], "title": s[1], "text": s[2], "href": s[3], "done": flag}
        for s, flag in zip(STEPS, flags, strict=True)
    ]
    next_step = next((s for s in steps if not s["done"]), None)
    return render(request, "app/home.html", {"steps": steps, "next_step": next_step})
