"""Selling a pack from the client's card: the service, its freestyle price, classes and
validity, the other clients of a shared pack (the family, or found by name), the branch and
group it is sold for, and how it is paid: paid now (method, date), on credit (due date) or
without payment. The form shows only the fields that apply to the service and payment chosen;
htmx asks the server for the form again when either changes."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.i18n import Formats
from web_svc.pages.catalogue import places
from web_svc.pages.catalogue_edit import price_text
from web_svc.pages.ops import names_by_id
from web_svc.render import formats, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
BI = "/api/v1/billing"
CL = "/api/v1/clients"
Optional = Annotated[str, Form()]
Ids = Annotated[list[str] | None, Form()]
METHODS = ("cash", "card", "transfer")
MODES = ("paid", "credit", "none")
UNITS = ("month", "week", "day")
FREESTYLE = ("price", "classes", "period_count", "period_unit")


def _number(typed: str) -> int | str:
    cleaned = typed.strip()
    return int(cleaned) if cleaned.isdigit() else cleaned


def sale_body(
    typed: dict[str, Any], service: dict[str, Any], client_id: str, fmt: Formats
) -> dict[str, Any]:
    """The API's body for the sell form, with only what applies to the service: ArithmeticError
    when a freestyle price is no number."""
    mode = typed.get("payment_mode") if typed.get("payment_mode") in MODES else "paid"
    body: dict[str, Any] = {"service_id": service["id"], "payment_mode": mode}
    if mode == "paid":
        body["method"] = typed.get("method") if typed.get("method") in METHODS else "cash"
        if typed.get("paid_on"):
            body["paid_on"] = typed["paid_on"]
    if mode == "credit" and typed.get("due_on"):
        body["due_on"] = typed["due_on"]
    for field in ("starts_on", "branch_id", "group_id"):
        if typed.get(field):
            body[field] = typed[field]
    # The freestyle fields count only when shown for this service (not left from another).
    if service["freestyle"] and typed.get("shown_service") == service["id"]:
        if str(typed.get("price", "")).strip():
            body["price_minor"] = fmt.minor_units(typed["price"], service["currency"])
        if str(typed.get("classes", "")).strip():
            body["classes"] = _number(typed["classes"])
        if str(typed.get("period_count", "")).strip():
            unit = typed.get("period_unit") if typed.get("period_unit") in UNITS else "month"
            body["period"] = {"unit": unit, "count": _number(typed["period_count"])}
    if service["shared"]:
        members = [m for m in typed.get("members") or [] if m and m != client_id]
        if members:
            body["members"] = list(dict.fromkeys(members))
    if service["kind"] == "subscription":
        body["auto_renew"] = typed.get("auto_renew") != "no"
    if str(typed.get("comment", "")).strip():
        body["comment"] = typed["comment"].strip()
    return body


def _name(client: dict[str, Any]) -> str:
    return f"{client.get('first_name', '')} {client.get('last_name', '')}".strip()


async def _members(
    caller: Caller, client_id: str, family: dict[str, Any], values: dict[str, Any]
) -> list[dict[str, Any]]:
    """Clients offered to share the pack: the family, those found by name, and those already
    ticked; each once, the client themself left out."""
    chosen = [m for m in values.get("members") or [] if m]
    offered: dict[str, str] = {str(m["id"]): _name(m) for m in family.get("members", [])}
    query = str(values.get("member_q", "")).strip()
    if query:
        found = await caller.get(f"{CL}/clients", q=query, limit=10)
        offered.update({str(c["id"]): _name(c) for c in items(found)})
    missing = [m for m in chosen if m not in offered]
    named = await names_by_id(caller, missing, naming=_name)
    offered.update({i: name for i, name in named.items() if name})  # not one the caller sees
    offered.pop(client_id, None)
    return [{"id": i, "name": n, "checked": i in chosen} for i, n in offered.items()]


async def sell_context(
    caller: Caller,
    client_id: str,
    values: dict[str, Any],
    services: list[dict[str, Any]] | None = None,
    family: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """What the sell form shows for the values typed so far (none: the first service, paid
    now). `services` and `family` when the card has them already."""
    if services is None:
        services = items(await caller.get(f"{BI}/catalogue", limit=200))
    if family is None:
        try:
            family = await caller.get(f"{CL}/clients/{client_id}/family")
        except ApiError as exc:
            if exc.status not in (403, 404):
                raise
            family = {"members": []}
    active = [s for s in services if not s.get("archived")]
    service = next((s for s in active if s["id"] == values.get("service_id")), None)
    service = service or (active[0] if active else None)
    values = dict(values)
    fmt = formats("en", caller.session)
    if service is not None and values.get("shown_service") != service["id"]:
        # Another service chosen: its own price, classes and validity to start from.
        period = service.get("period") or {}
        values |= {
            "price": price_text(service["price_minor"], fmt, service["currency"]),
            "classes": "" if service["classes"] is None else str(service["classes"]),
            "period_count": str(period.get("count", "")),
            "period_unit": period.get("unit", "month"),
        }
    values.setdefault("payment_mode", "paid")
    branches, groups = await places(caller)
    members: list[dict[str, Any]] = []
    if service is not None:
        if service["branch_ids"]:
            branches = [b for b in branches if b["id"] in service["branch_ids"]]
            groups = [g for g in groups if g["branch_id"] in service["branch_ids"]]
        if service["group_ids"]:
            groups = [g for g in groups if g["id"] in service["group_ids"]]
        if service["shared"]:
            members = await _members(caller, client_id, family, values)
    return {
        "client_id": client_id,
        "services": active,
        "service": service,
        "form": values,
        "members": members,
        "branches": branches,
        "groups": groups,
        "today": fmt.today(),
        "key": uuid.uuid4().hex,
        "error": None,
    }


@router.get("/app/period-unit")
async def period_unit(
    request: Request, caller: StaffDep, period_count: str = "", period_unit: str = "month"
) -> Response:
    """The validity's unit worded for the count typed (the catalogue's and the sell form's)."""
    context = {"count": period_count, "chosen": period_unit}
    return render(request, "app/_period_unit.html", context)


@router.get("/app/clients/{client_id}/sell")
async def sell_page(
    request: Request,
    caller: StaffDep,
    client_id: str,
    members: Annotated[list[str] | None, Query()] = None,
) -> Response:
    """The sell form on a page of its own: htmx takes the form from it when the service or the
    payment changes, or clients are searched."""
    values: dict[str, Any] = {
        k: v for k, v in request.query_params.items() if k not in ("members", "csrf_token")
    }
    values["members"] = members or []
    return await _page(request, caller, client_id, values)


async def _page(
    request: Request,
    caller: Caller,
    client_id: str,
    values: dict[str, Any],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    client, sell = await asyncio.gather(
        caller.get(f"{CL}/clients/{client_id}"), sell_context(caller, client_id, values)
    )
    context = {"client": client, "sell": sell | {"error": error}}
    return render(request, "app/sell.html", context, status_code=status_code)


@router.post("/app/clients/{client_id}/packs")
async def sell(
    request: Request,
    caller: StaffDep,
    client_id: str,
    service_id: Optional = "",
    payment_mode: Optional = "paid",
    method: Optional = "cash",
    paid_on: Optional = "",
    due_on: Optional = "",
    starts_on: Optional = "",
    price: Optional = "",
    classes: Optional = "",
    period_count: Optional = "",
    period_unit: Optional = "",
    members: Ids = None,
    branch_id: Optional = "",
    group_id: Optional = "",
    auto_renew: Optional = "",
    comment: Optional = "",
    shown_service: Optional = "",
    key: Optional = "",
) -> Response:
    typed: dict[str, Any] = {
        "service_id": service_id,
        "payment_mode": payment_mode,
        "method": method,
        "paid_on": paid_on,
        "due_on": due_on,
        "starts_on": starts_on,
        "price": price,
        "classes": classes,
        "period_count": period_count,
        "period_unit": period_unit,
        "members": members or [],
        "branch_id": branch_id,
        "group_id": group_id,
        "auto_renew": auto_renew,
        "comment": comment,
        "shown_service": shown_service,
    }
    _ = words_for(request)
    try:
        service = await caller.get(f"{BI}/catalogue/{service_id}")
        body = sale_body(typed, service, client_id, formats("en", caller.session))
    except ArithmeticError:
        return await _page(request, caller, client_id, typed, _("Enter the price."), 400)
    except ApiError as exc:
        if exc.status not in (404, 422):
            raise
        return await _page(request, caller, client_id, typed, refusal(exc, _), 400)
    try:
        await caller.call(
            "POST",
            f"{BI}/clients/{client_id}/packs",
            json=body,
            headers={"Idempotency-Key": key or uuid.uuid4().hex},
        )
    except ApiError as exc:
        if exc.status not in (400, 409, 422):
            raise
        return await _page(request, caller, client_id, typed, refusal(exc, _), 400)
    return RedirectResponse(f"/app/clients/{client_id}?done=sold", status_code=303)
