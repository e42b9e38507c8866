"""One service of the catalogue edited (name, description, price, what it allows, the
branches and groups it is limited to), archived and restored. Only what changed is sent,
with the version the form showed: a service someone changed meanwhile is shown as it is now.
Changes apply to later sales; packs already sold keep what they were sold with."""

from __future__ import annotations

from typing import Annotated, Any

from babel.numbers import get_decimal_symbol
from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError
from web_svc.i18n import Formats
from web_svc.pages.catalogue import BI, FLAGS, places
from web_svc.render import formats, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
Ids = Annotated[list[str] | None, Form()]


def shown(service: dict[str, Any], fmt: Formats) -> dict[str, Any]:
    """The form's values for a service as the API has it."""
    values: dict[str, Any] = {
        "name": service["name"],
        "description": service.get("description") or "",
        "price": price_text(service["price_minor"], fmt, service["currency"]),
        "leftover": service["leftover"],
        "branch_ids": [str(i) for i in service["branch_ids"]],
        "group_ids": [str(i) for i in service["group_ids"]],
    }
    for flag in FLAGS:
        values[flag] = "on" if service[flag] else ""
    return values


def price_text(minor: int, fmt: Formats, currency: str) -> str:
    """An amount as a person types it back (12.50; 12,50 in Polish), in the currency's minor
    digits and the locale's decimal mark, without grouping."""
    digits = len(str(fmt.minor_units("1", currency))) - 1
    text = f"{minor / 10**digits:.{digits}f}" if digits else str(minor)
    return text.replace(".", get_decimal_symbol(fmt.locale))


def changes(service: dict[str, Any], typed: dict[str, Any], fmt: Formats) -> dict[str, Any]:
    """What the form changes, as the API's PATCH body; ArithmeticError for a price that is no
    number."""
    before = shown(service, fmt)
    body: dict[str, Any] = {}
    if typed["name"].strip() != before["name"]:
        body["name"] = typed["name"].strip()
    if typed["description"].strip() != before["description"]:
        body["description"] = typed["description"].strip() or None
    if typed["price"].strip() != before["price"]:
        body["price_minor"] = fmt.minor_units(typed["price"], service["currency"])
        if body["price_minor"] == service["price_minor"]:
            del body["price_minor"]
    for flag in FLAGS:
        if (typed.get(flag) == "on") != service[flag]:
            body[flag] = typed.get(flag) == "on"
    leftover = typed.get("leftover") or before["leftover"]
    if service["kind"] != "one_time" and leftover != before["leftover"]:
        body["leftover"] = "carry" if leftover == "carry" else "burn"
    for field in ("branch_ids", "group_ids"):
        if sorted(typed.get(field) or []) != sorted(before[field]):
            body[field] = list(typed.get(field) or [])
    return body


async def _page(
    request: Request,
    caller: Caller,
    service: dict[str, Any],
    values: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    branches, groups = await places(caller)
    fmt = formats("en", caller.session)
    return render(
        request,
        "app/catalogue_service.html",
        {
            "service": service,
            "values": values or shown(service, fmt),
            "branches": branches,
            "groups": groups,
            "error": error,
            "can_write": caller.role in ("owner", "admin", "accountant"),
        },
        status_code=status_code,
    )


@router.get("/app/catalogue/{service_id}")
async def service_page(request: Request, caller: StaffDep, service_id: str) -> Response:
    return await _page(request, caller, await caller.get(f"{BI}/catalogue/{service_id}"))


async def _patch(caller: Caller, service_id: str, body: dict[str, Any], version: str) -> None:
    await caller.call(
        "PATCH",
        f"{BI}/catalogue/{service_id}",
        json=body,
        headers={"If-Match": f'"{version.strip()}"'},
    )


@router.post("/app/catalogue/{service_id}")
async def edit_service(
    request: Request,
    caller: StaffDep,
    service_id: str,
    version: Text,
    name: Text,
    price: Text,
    description: Optional = "",
    leftover: Optional = "",
    shared: Optional = "",
    freestyle: Optional = "",
    overlapping: Optional = "",
    branch_ids: Ids = None,
    group_ids: Ids = None,
) -> Response:
    typed: dict[str, Any] = {
        "name": name,
        "price": price,
        "description": description,
        "leftover": leftover,
        "shared": shared,
        "freestyle": freestyle,
        "overlapping": overlapping,
        "branch_ids": branch_ids or [],
        "group_ids": group_ids or [],
    }
    service = await caller.get(f"{BI}/catalogue/{service_id}")
    _ = words_for(request)
    try:
        body = changes(service, typed, formats("en", caller.session))
    except ArithmeticError:
        return await _page(request, caller, service, typed, _("Enter the price."), 400)
    if not body:
        return RedirectResponse("/app/catalogue", status_code=303)
    try:
        await _patch(caller, service_id, body, version)
    except ApiError as exc:
        if exc.status == 412:
            error = _("Someone changed this service meanwhile: here it is as it is now.")
            return await _page(request, caller, service, None, error, 409)
        if exc.status not in (400, 409, 422):
            raise
        return await _page(request, caller, service, typed, refusal(exc, _), 400)
    return RedirectResponse("/app/catalogue?done=saved", status_code=303)


@router.post("/app/catalogue/{service_id}/archive")
async def archive_service(
    request: Request, caller: StaffDep, service_id: str, version: Text, archived: Text
) -> Response:
    """Archived: no longer sold (packs sold keep working); restored: sold again."""
    try:
        await _patch(caller, service_id, {"archived": archived == "1"}, version)
    except ApiError as exc:
        if exc.status != 412:
            raise
        _ = words_for(request)
        service = await caller.get(f"{BI}/catalogue/{service_id}")
        error = _("Someone changed this service meanwhile: here it is as it is now.")
        return await _page(request, caller, service, None, error, 409)
    done = "archived" if archived == "1" else "restored"
    return RedirectResponse(f"/app/catalogue?done={done}", status_code=303)
