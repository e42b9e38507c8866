"""Invoices: the list (status, client, due date), issuing one for a client, one invoice with
what is paid of it, and voiding it. Issuing carries an Idempotency-Key made when the form
was rendered, so the same form sent twice issues one invoice."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.pages.ops import full_name, names_by_id
from web_svc.refusals import not_saved
from web_svc.render import formats, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
BI = "/api/v1/billing"
CL = "/api/v1/clients"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
STATUSES = ("open", "overdue", "paid", "void")
FINANCE = ("owner", "admin", "accountant")


async def _clients(caller: Caller) -> list[dict[str, Any]]:
    return items(await caller.get(f"{CL}/clients", limit=200))


@router.get("/app/invoices")
async def invoices(
    request: Request,
    caller: StaffDep,
    status: str = "",
    client_id: str = "",
    due_from: str = "",
    due_to: str = "",
    cursor: str = "",
) -> Response:
    filters = {"status": status, "client_id": client_id, "due_from": due_from, "due_to": due_to}
    rows: list[dict[str, Any]] = []
    next_cursor, error = None, None
    try:
        found, clients = await asyncio.gather(
            caller.get(
                f"{BI}/invoices",
                status=status if status in STATUSES else "",
                client_id=client_id,
                due_from=due_from,
                due_to=due_to,
                cursor=cursor,
                limit=50,
            ),
            _clients(caller),
        )
        rows, next_cursor = items(found), found.get("next_cursor")
    except ApiError as exc:
        if exc.status not in (400, 404, 422):
            raise
        error, clients = refusal(exc, words_for(request)), await _clients(caller)
    names = {c["id"]: full_name(c) for c in clients}
    missing = {r["client_id"] for r in rows} - names.keys()
    names |= await names_by_id(caller, missing)
    return render(
        request,
        "app/invoices.html",
        {
            "rows": rows,
            "names": names,
            "clients": clients,
            "filters": filters,
            "filtered": any(filters.values()),
            "next_cursor": next_cursor,
            "error": error,
            "can_write": caller.role in FINANCE,
        },
        status_code=400 if error else 200,
    )


async def _new_page(
    request: Request,
    caller: Caller,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    client_id = values.get("client_id", "")
    clients = await _clients(caller)
    packs: list[dict[str, Any]] = []
    if client_id:
        packs = items(await caller.get(f"{BI}/clients/{client_id}/packs", limit=50))
    fmt = formats("en", caller.session)
    return render(
        request,
        "app/invoice_new.html",
        {
            "clients": clients,
            "packs": [p for p in packs if p["status"] in ("active", "expired")],
            "values": values,
            "error": error,
            "today": fmt.today(),
            "key": values.get("key") or uuid.uuid4().hex,
        },
        status_code=status_code,
    )


@router.get("/app/invoices/new")
async def new_invoice_page(request: Request, caller: StaffDep, client_id: str = "") -> Response:
    return await _new_page(request, caller, {"client_id": client_id})


@router.post("/app/invoices/new")
async def issue(
    request: Request,
    caller: StaffDep,
    client_id: Text,
    amount: Text,
    due_on: Text,
    description: Text,
    key: Text,
    pack_id: Optional = "",
) -> Response:
    values = {
        "client_id": client_id,
        "amount": amount,
        "due_on": due_on,
        "description": description,
        "pack_id": pack_id,
        "key": key,
    }
    _ = words_for(request)
    fmt = formats("en", caller.session)
    try:
        minor = fmt.minor_units(amount)
        if minor <= 0:
            raise ArithmeticError
    except ArithmeticError:
        return await _new_page(request, caller, values, _("Enter an amount above zero."), 400)
    body: dict[str, Any] = {"amount_minor": minor, "due_on": due_on, "description": description}
    if pack_id:
        body["pack_id"] = pack_id
    try:
        created = await caller.call(
            "POST",
            f"{BI}/clients/{client_id}/invoices",
            json=body,
            headers={"Idempotency-Key": key},
        )
    except ApiError as exc:
        return await _new_page(request, caller, values, refusal(exc, _), 400)
    return RedirectResponse(
        f"/app/clients/{client_id}/invoices/{created['id']}?done=issued", status_code=303
    )


async def _invoice_page(
    request: Request,
    caller: Caller,
    client_id: str,
    invoice_id: str,
    done: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    client, invoice = await asyncio.gather(
        caller.get(f"{CL}/clients/{client_id}"),
        caller.get(f"{BI}/clients/{client_id}/invoices/{invoice_id}"),
    )
    return render(
        request,
        "app/invoice.html",
        {
            "client": client,
            "invoice": invoice,
            "done": done,
            "error": error,
            "can_write": caller.role in FINANCE,
        },
        status_code=status_code,
    )


@router.get("/app/clients/{client_id}/invoices/{invoice_id}")
async def invoice_page(
    request: Request, caller: StaffDep, client_id: str, invoice_id: str, done: str = ""
) -> Response:
    return await _invoice_page(request, caller, client_id, invoice_id, done)


@router.post("/app/clients/{client_id}/invoices/{invoice_id}/void")
async def void(
    request: Request, caller: StaffDep, client_id: str, invoice_id: str, version: Text
) -> Response:
    try:
        await caller.call(
            "POST",
            f"{BI}/clients/{client_id}/invoices/{invoice_id}/void",
            json={},
            headers={"If-Match": f'"{version}"'},
        )
    except ApiError as exc:
        _ = words_for(request)
        message = (
            _("The invoice changed since the page was opened. Look again and retry.")
            if exc.status == 412
            else not_saved(exc, _)
        )
        return await _invoice_page(request, caller, client_id, invoice_id, "", message, 400)
    return RedirectResponse(
        f"/app/clients/{client_id}/invoices/{invoice_id}?done=void", status_code=303
    )
