"""The catalogue: services and pack templates with what they allow (shared, freestyle,
leftovers, overlapping, the branches and groups they are limited to), added, edited with the
version the form showed, archived and restored."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.i18n import Formats
from web_svc.render import formats, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
BI = "/api/v1/billing"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
Ids = Annotated[list[str] | None, Form()]
KINDS = ("pack", "subscription", "one_time")
FLAGS = ("freestyle", "overlapping", "shared")
WRITERS = ("owner", "admin", "accountant")


async def places(caller: Caller) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The branches and (unarchived) groups the caller sees: what a service or a sale may
    name. A role that cannot list one of them gets none of it."""

    async def listed(path: str) -> list[dict[str, Any]]:
        try:
            return items(await caller.get(path, limit=200))
        except ApiError as exc:
            if exc.status in (403, 404):
                return []
            raise

    branches, groups = await asyncio.gather(
        listed("/api/v1/identity/branches"), listed("/api/v1/journal/groups")
    )
    return branches, [g for g in groups if not g.get("archived")]


async def _page(
    request: Request,
    caller: Caller,
    values: dict[str, Any],
    error: str | None,
    status_code: int = 200,
    done: str = "",
) -> Response:
    services, archived, (branches, groups) = await asyncio.gather(
        caller.get(f"{BI}/catalogue", limit=200),
        caller.get(f"{BI}/catalogue", archived=True, limit=200),
        places(caller),
    )
    return render(
        request,
        "app/catalogue.html",
        {
            "services": items(services),
            "archived": items(archived),
            "branches": branches,
            "groups": groups,
            "names": {p["id"]: p["name"] for p in branches + groups},
            "values": values,
            "error": error,
            "done": done,
            "can_write": caller.role in WRITERS,
        },
        status_code=status_code,
    )


@router.get("/app/catalogue")
async def catalogue(request: Request, caller: StaffDep, done: str = "") -> Response:
    return await _page(request, caller, {}, None, done=done)


def new_service_body(typed: dict[str, Any], fmt: Formats) -> dict[str, Any]:
    """The API's body for the new-service form; ArithmeticError when the price is no number."""
    kind = typed.get("kind") if typed.get("kind") in KINDS else "pack"
    body: dict[str, Any] = {
        "kind": kind,
        "name": typed.get("name", ""),
        "price_minor": fmt.minor_units(typed.get("price", "")),
        "branch_ids": list(typed.get("branch_ids") or []),
        "group_ids": list(typed.get("group_ids") or []),
    }
    if kind != "one_time":
        classes = str(typed.get("classes", "")).strip()
        if classes:
            body["classes"] = _number(classes)
        else:
            body["unlimited"] = True
        count = str(typed.get("period_count", "")).strip()
        if count:
            body["period"] = {"unit": typed.get("period_unit") or "month", "count": _number(count)}
        body["leftover"] = typed.get("leftover") if typed.get("leftover") == "carry" else "burn"
        for flag in FLAGS:
            body[flag] = typed.get(flag) == "on"
    if kind == "subscription":
        body["billing"] = "postpaid" if typed.get("billing") == "postpaid" else "prepaid"
    return body


@router.post("/app/catalogue")
async def add_service(
    request: Request,
    caller: StaffDep,
    kind: Text,
    name: Text,
    price: Text,
    classes: Optional = "",
    period_count: Optional = "",
    period_unit: Optional = "month",
    billing: Optional = "prepaid",
    leftover: Optional = "burn",
    shared: Optional = "",
    freestyle: Optional = "",
    overlapping: Optional = "",
    branch_ids: Ids = None,
    group_ids: Ids = None,
) -> Response:
    values: dict[str, Any] = {
        "kind": kind,
        "name": name,
        "price": price,
        "classes": classes,
        "period_count": period_count,
        "period_unit": period_unit,
        "billing": billing,
        "leftover": leftover,
        "shared": shared,
        "freestyle": freestyle,
        "overlapping": overlapping,
        "branch_ids": branch_ids or [],
        "group_ids": group_ids or [],
    }
    _ = words_for(request)
    try:
        body = new_service_body(values, formats("en", caller.session))
    except ArithmeticError:
        return await _page(request, caller, values, _("Enter the price."), 400)
    try:
        await caller.post(f"{BI}/catalogue", body)
    except ApiError as exc:
        return await _page(request, caller, values, refusal(exc, _), 400)
    return RedirectResponse("/app/catalogue?done=added", status_code=303)


def _number(typed: str) -> int | str:
    """A whole number typed in a form; anything else goes as typed, for the API to name."""
    cleaned = typed.strip()
    return int(cleaned) if cleaned.isdigit() else cleaned
