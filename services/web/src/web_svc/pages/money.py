"""The payment wizard: amount, method, date, comment and what the payment is for (a pack or
an invoice). Selling a pack: pages/selling.py."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.refusals import not_saved
from web_svc.render import formats, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
BI = "/api/v1/billing"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
METHODS = ("cash", "card", "transfer")


@router.get("/app/clients/{client_id}/payment")
async def payment_page(
    request: Request, caller: StaffDep, client_id: str, pays_for: str = ""
) -> Response:
    """`pays_for` (pack:<id> or invoice:<id>) chooses what it pays for, as from an invoice."""
    return await _wizard(request, caller, client_id, {"pays_for": pays_for}, None)


async def _wizard(
    request: Request,
    caller: Any,
    client_id: str,
    values: dict[str, str],
    error: str | None,
    status_code: int = 200,
) -> Response:
    client = await caller.get(f"/api/v1/clients/clients/{client_id}")
    packs = await caller.get(f"{BI}/clients/{client_id}/packs", limit=50)
    invoices = await caller.get(f"{BI}/clients/{client_id}/invoices", limit=50)
    open_invoices = [i for i in items(invoices) if i["status"] in ("open", "overdue")]
    fmt = formats("en", caller.session)
    return render(
        request,
        "app/payment.html",
        {
            "client": client,
            "packs": [p for p in items(packs) if p["active"]],
            "invoices": open_invoices,
            "values": values,
            "error": error,
            "today": fmt.today(),
            "key": values.get("key") or uuid.uuid4().hex,
        },
        status_code=status_code,
    )


@router.post("/app/clients/{client_id}/payment")
async def pay(
    request: Request,
    caller: StaffDep,
    client_id: str,
    amount: Text,
    method: Text,
    key: Text,
    paid_on: Optional = "",
    comment: Optional = "",
    pays_for: Optional = "",
) -> Response:
    values = {
        "amount": amount,
        "method": method,
        "paid_on": paid_on,
        "comment": comment,
        "pays_for": pays_for,
        "key": key,
    }
    _ = words_for(request)
    fmt = formats("en", caller.session)
    try:
        minor = fmt.minor_units(amount)
        if minor <= 0:
            raise ArithmeticError
    except ArithmeticError:
        return await _wizard(
            request, caller, client_id, values, _("Enter an amount above zero."), 400
        )
    body: dict[str, Any] = {"amount_minor": minor, "method": method}
    if paid_on:
        body["paid_on"] = paid_on
    if comment.strip():
        body["comment"] = comment.strip()
    kind, _sep, target = pays_for.partition(":")
    if kind in ("pack", "invoice") and target:
        body["allocations"] = [{f"{kind}_id": target, "amount_minor": minor}]
    try:
        # The wizard's key: the same form sent twice (a double click, a retry) pays once.
        await caller.call(
            "POST",
            f"{BI}/clients/{client_id}/payments",
            json=body,
            headers={"Idempotency-Key": key},
        )
    except ApiError as exc:
        return await _wizard(request, caller, client_id, values, not_saved(exc, _), 400)
    return RedirectResponse(f"/app/clients/{client_id}?done=paid", status_code=303)
