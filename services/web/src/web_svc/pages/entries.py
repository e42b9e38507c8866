"""Cancelling a ledger entry (a payment, a sale, a refund...) from the client's ledger: a
confirmation with the reason, then billing adds the reversing entry; the entry stays, shown
cancelled. The form's Idempotency-Key makes a double submit cancel once."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.refusals import not_saved
from web_svc.render import refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
BI = "/api/v1/billing"
CL = "/api/v1/clients"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
MAX_PAGES = 50


async def find_entry(caller: Caller, client_id: str, entry_id: str) -> dict[str, Any] | None:
    """The entry in the client's ledger (billing lists a client's entries, oldest first)."""
    cursor = ""
    for _page in range(MAX_PAGES):
        found = await caller.get(f"{BI}/clients/{client_id}/ledger", limit=200, cursor=cursor)
        for entry in items(found):
            if entry["id"] == entry_id:
                return dict(entry)
        cursor = found.get("next_cursor") or ""
        if not cursor:
            return None
    return None


async def _confirm_page(
    request: Request,
    caller: Caller,
    client_id: str,
    entry_id: str,
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    client, entry, balance = await asyncio.gather(
        caller.get(f"{CL}/clients/{client_id}"),
        find_entry(caller, client_id, entry_id),
        caller.get(f"{BI}/clients/{client_id}/balance"),
    )
    if entry is None:
        raise ApiError(404, {"title": "Not Found", "detail": "no such entry"})
    return render(
        request,
        "app/entry_cancel.html",
        {
            "client": client,
            "entry": entry,
            "balance": balance,
            "values": values,
            "error": error,
            "key": values.get("key") or uuid.uuid4().hex,
        },
        status_code=status_code,
    )


@router.get("/app/clients/{client_id}/entries/{entry_id}/cancel")
async def confirm(request: Request, caller: StaffDep, client_id: str, entry_id: str) -> Response:
    return await _confirm_page(request, caller, client_id, entry_id, {})


@router.post("/app/clients/{client_id}/entries/{entry_id}/cancel")
async def cancel(
    request: Request,
    caller: StaffDep,
    client_id: str,
    entry_id: str,
    key: Text,
    reason: Optional = "",
) -> Response:
    body = {"reason": reason.strip()} if reason.strip() else {}
    try:
        await caller.call(
            "POST",
            f"{BI}/clients/{client_id}/entries/{entry_id}/cancel",
            json=body,
            headers={"Idempotency-Key": key},
        )
    except ApiError as exc:
        _ = words_for(request)
        message = refusal(exc, _) if exc.status != 409 else not_saved(exc, _)
        values = {"reason": reason, "key": uuid.uuid4().hex}
        return await _confirm_page(request, caller, client_id, entry_id, values, message, 400)
    return RedirectResponse(f"/app/clients/{client_id}?done=cancelled", status_code=303)
