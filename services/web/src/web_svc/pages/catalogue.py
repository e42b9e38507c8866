"""The catalogue: services and pack templates, and adding one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.render import formats, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
BI = "/api/v1/billing"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
KINDS = ("pack", "subscription", "one_time")


async def _page(
    request: Request, caller: Any, values: dict[str, str], error: str | None, status_code: int = 200
) -> Response:
    services = await caller.get(f"{BI}/catalogue", limit=200)
    return render(
        request,
        "app/catalogue.html",
        {
            "services": items(services),
            "values": values,
            "error": error,
            "can_write": caller.role in ("owner", "admin", "accountant"),
        },
        status_code=status_code,
    )


@router.get("/app/catalogue")
async def catalogue(request: Request, caller: StaffDep) -> Response:
    return await _page(request, caller, {}, None)


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
) -> Response:
    values = {
        "kind": kind,
        "name": name,
        "price": price,
        "classes": classes,
        "period_count": period_count,
        "period_unit": period_unit,
        "billing": billing,
        "leftover": leftover,
    }
    _ = words_for(request)
    fmt = formats("en", caller.session)
    try:
        body: dict[str, Any] = {
            "kind": kind if kind in KINDS else "pack",
            "name": name,
            "price_minor": fmt.minor_units(price),
        }
    except ArithmeticError:
        return await _page(request, caller, values, _("Enter the price."), 400)
    if body["kind"] != "one_time":
        if classes.strip():
            body["classes"] = _number(classes)
        else:
            body["unlimited"] = True
        if period_count.strip():
            body["period"] = {"unit": period_unit, "count": _number(period_count)}
        body["leftover"] = leftover if leftover in ("burn", "carry") else "burn"
        body["shared"] = shared == "on"
        body["freestyle"] = freestyle == "on"
    if body["kind"] == "subscription":
        body["billing"] = billing if billing in ("prepaid", "postpaid") else "prepaid"
    try:
        await caller.post(f"{BI}/catalogue", body)
    except ApiError as exc:
        return await _page(request, caller, values, refusal(exc, _), 400)
    return RedirectResponse("/app/catalogue?added=1", status_code=303)


def _number(typed: str) -> int | str:
    """A whole number typed in a form; anything else goes as typed, for the API to name."""
    cleaned = typed.strip()
    return int(cleaned) if cleaned.isdigit() else cleaned
