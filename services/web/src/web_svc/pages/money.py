"""The payment wizard: what the payment is for (several packs and invoices ticked, a share
for each, prefilled with what each owes), the amount (the ticked shares' total unless typed),
method, date and comment. What is not shared out stays on the balance as an advance. htmx
asks the page again when a tick or a share changes, for the total. Selling a pack:
pages/selling.py."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.i18n import Formats
from web_svc.pages.catalogue_edit import price_text
from web_svc.payment_targets import (
    MAX_TARGETS,
    Shares,
    Target,
    allocations,
    field_of,
    read_shares,
    targets,
)
from web_svc.refusals import not_saved
from web_svc.render import formats, page_locale, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
BI = "/api/v1/billing"
FIELDS = ("amount", "method", "paid_on", "comment", "key")
Problem = tuple[str, str]  # the field at fault (its id on the page) and what is wrong


async def _targets(caller: Caller, client_id: str, chosen: list[str]) -> list[Target]:
    packs, invoices = await asyncio.gather(
        caller.get(f"{BI}/clients/{client_id}/packs", limit=50),
        caller.get(f"{BI}/clients/{client_id}/invoices", limit=50),
    )
    return targets(items(packs), items(invoices), chosen)


def _page_formats(request: Request, caller: Caller) -> Formats:
    return formats(page_locale(request, caller.session), caller.session)


def _amount_text(minor: int, fmt: Formats) -> str:
    return price_text(minor, fmt, fmt.currency) if minor > 0 else ""


@router.get("/app/clients/{client_id}/payment")
async def payment_page(request: Request, caller: StaffDep, client_id: str) -> Response:
    """First shown: each share is what its target owes; `pays_for` (pack:<id> or
    invoice:<id>, as from an invoice's page) ticks that one. Asked again by htmx (`again`)
    with the form's values: the ticked shares' total becomes the amount."""
    query = request.query_params
    chosen = query.get("pays_for", "")
    listed = await _targets(caller, client_id, [chosen])
    fmt = _page_formats(request, caller)
    values = {name: query.get(name, "") for name in FIELDS}
    if query.get("again"):
        shares = read_shares(query, query.getlist("pays"), fmt)
    else:
        owed = {t.field: _amount_text(t.owed_minor, fmt) for t in listed}
        shares = read_shares(owed, [chosen] if chosen else [], fmt)
    total = sum(shares.minor.values())
    if total > 0 or query.get("again"):
        values["amount"] = _amount_text(total, fmt)
    return await _wizard(request, caller, client_id, values, listed, shares, None)


async def _wizard(
    request: Request,
    caller: Caller,
    client_id: str,
    values: dict[str, str],
    listed: list[Target],
    shares: Shares,
    error: Problem | None,
    status_code: int = 200,
) -> Response:
    client = await caller.get(f"/api/v1/clients/clients/{client_id}")
    return render(
        request,
        "app/payment.html",
        {
            "client": client,
            "targets": listed,
            "shares": shares,
            "values": values,
            "error": error[1] if error else None,
            "error_field": error[0] if error else None,
            "today": formats("en", caller.session).today(),
            "key": values.get("key") or uuid.uuid4().hex,
        },
        status_code=status_code,
    )


def problem(
    typed_amount: str,
    shares: Shares,
    listed: list[Target],
    fmt: Formats,
    _: Callable[[str], str],
) -> tuple[Problem | None, int]:
    """The first thing wrong with the form, and the payment's amount (the shares' total when
    none is typed)."""
    names = {t.value: t.name for t in listed}
    if len(shares.ticked) > MAX_TARGETS:
        return ("targets", _("Tick at most 50 packs and invoices.")), 0
    if shares.bad is not None:
        name = names.get(shares.bad, shares.bad)
        text = _("%(target)s: enter an amount above zero.") % {"target": name}
        return (field_of(shares.bad), text), 0
    shared = sum(shares.minor.values())
    try:
        minor = fmt.minor_units(typed_amount) if typed_amount.strip() else shared
    except (ArithmeticError, ValueError):
        minor = 0
    if minor <= 0:
        return ("amount", _("Amount: enter an amount above zero.")), 0
    if shared > minor:
        text = _(
            "Amount: %(amount)s is less than the %(shared)s shared out to what it pays for. "
            "Raise the amount or lower the shares."
        ) % {"amount": fmt.money(minor), "shared": fmt.money(shared)}
        return ("amount", text), minor
    return None, minor


@router.post("/app/clients/{client_id}/payment")
async def pay(request: Request, caller: StaffDep, client_id: str) -> Response:
    form = await request.form()
    values = {name: str(form.get(name, "")) for name in FIELDS}
    fmt = _page_formats(request, caller)
    shares = read_shares(form, [str(v) for v in form.getlist("pays")], fmt)
    _ = words_for(request)
    listed = await _targets(caller, client_id, shares.ticked)
    error, minor = problem(values["amount"], shares, listed, fmt, _)
    if error is None and not values["key"]:
        error = ("amount", _("Please check the form."))
    if error is not None:
        return await _wizard(request, caller, client_id, values, listed, shares, error, 400)
    body: dict[str, Any] = {"amount_minor": minor, "method": values["method"]}
    if values["paid_on"]:
        body["paid_on"] = values["paid_on"]
    if values["comment"].strip():
        body["comment"] = values["comment"].strip()
    if shares.ticked:
        body["allocations"] = allocations(shares)
    try:
        # The wizard's key: the same form sent twice (a double click, a retry) pays once.
        await caller.call(
            "POST",
            f"{BI}/clients/{client_id}/payments",
            json=body,
            headers={"Idempotency-Key": values["key"]},
        )
    except ApiError as exc:
        refused = ("amount", not_saved(exc, _))
        return await _wizard(request, caller, client_id, values, listed, shares, refused, 400)
    return RedirectResponse(f"/app/clients/{client_id}?done=paid", status_code=303)
