"""The portal's reading pages: attendance month by month, payments and invoices (a printable
invoice), the messages from the school, and the knowledge centre."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import PortalDep, csrf_guard
from web_svc.marks import NAMES, STATUSES, letters
from web_svc.pages.my_common import P, client_id, family_of
from web_svc.render import N_, formats, page_locale, render

router = APIRouter(dependencies=[Depends(csrf_guard)])
INVOICE_STATES = {"open": N_("open"), "paid": N_("paid"), "void": N_("void")}


def _month(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(f"{value}-01") if value else None
    except ValueError:
        return None


def _shift(month: dt.date, by: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + by
    return dt.date(index // 12, index % 12 + 1, 1)


def months_view(
    marks: list[dict[str, Any]], asked: dt.date | None, today: dt.date
) -> dict[str, Any]:
    """The month shown (the one asked for, else this month if it has marks, else the latest
    that has), its marks in date order, the count per status, and the months either side."""
    months = sorted({dt.date.fromisoformat(m["lesson_date"][:8] + "01") for m in marks})
    this = today.replace(day=1)
    shown = asked or (this if this in months or not months else months[-1])
    first = min([*months, this])
    last = max([*months, this])
    inside = sorted(
        (m for m in marks if m["lesson_date"].startswith(shown.isoformat()[:7])),
        key=lambda m: (m["lesson_date"], m.get("group_name") or ""),
    )
    counts = Counter(m["status"] for m in inside)
    previous, following = _shift(shown, -1), _shift(shown, 1)
    return {
        "month": shown,
        "marks": inside,
        "counts": [(s, counts[s]) for s in STATUSES if counts[s]],
        "previous": previous if previous >= first else None,
        "next": following if following <= last else None,
    }


@router.get("/my/attendance")
async def attendance(
    request: Request, caller: PortalDep, client: str = "", month: str = ""
) -> Response:
    family, data = await asyncio.gather(
        family_of(caller, client), caller.get(f"{P}/attendance", client_id=client_id(client))
    )
    locale = page_locale(request, caller.session)
    today = formats(locale, caller.session).today()
    view = months_view(data["marks"], _month(month), today)
    context = family.context("/my/attendance") | view
    context |= {
        "as_of": data.get("as_of"),
        "loose_comments": data.get("comments", []),
        "statuses": STATUSES,
        "names": NAMES,
        "letters": letters(locale),
    }
    return render(request, "my/attendance.html", context)


@router.get("/my/payments")
async def payments(request: Request, caller: PortalDep, client: str = "") -> Response:
    chosen = client_id(client)
    family, overview, paid, invoices = await asyncio.gather(
        family_of(caller, client),
        caller.get(f"{P}/overview", client_id=chosen),
        caller.get(f"{P}/payments", client_id=chosen),
        caller.get(f"{P}/invoices", client_id=chosen),
    )
    open_ones = [i for i in invoices["items"] if i["status"] == "open"]
    due: dict[str, int] = {}
    for invoice in open_ones:
        due[invoice["currency"]] = due.get(invoice["currency"], 0) + max(
            0, invoice["amount_minor"] - invoice["paid_minor"]
        )
    context = family.context("/my/payments") | {
        "balance": overview.get("balance"),
        "due": sorted(due.items()),
        "open_invoices": open_ones,
        "invoices": sorted(invoices["items"], key=lambda i: i["issued_at"], reverse=True),
        "payments": sorted(paid["items"], key=lambda p: p["paid_on"], reverse=True),
        "as_of": paid.get("as_of"),
        "invoice_states": INVOICE_STATES,
    }
    return render(request, "my/payments.html", context)


@router.get("/my/invoices/{invoice_id}")
async def invoice(
    request: Request, caller: PortalDep, invoice_id: str, client: str = ""
) -> Response:
    chosen = client_id(client)
    if client_id(invoice_id) is None:
        return render(request, "error.html", {"status": 404, "kind": "api"}, status_code=404)
    family, found = await asyncio.gather(
        family_of(caller, client), caller.get(f"{P}/invoices/{invoice_id}", client_id=chosen)
    )
    return render(request, "my/invoice.html", family.context("/my/payments") | {"invoice": found})


@router.get("/my/messages")
async def messages(request: Request, caller: PortalDep, client: str = "") -> Response:
    family, inbox = await asyncio.gather(
        family_of(caller, client), caller.get(f"{P}/messages", client_id=client_id(client))
    )
    return render(request, "my/messages.html", family.context("/my/messages") | {"inbox": inbox})


@router.post("/my/messages/{message_id}/read")
async def read(request: Request, caller: PortalDep, message_id: str, client: str = "") -> Response:
    family = await family_of(caller, client)
    if client_id(message_id) is not None:
        await caller.call(
            "POST", f"{P}/messages/{message_id}/read", params=family.params(), json={}
        )
    return RedirectResponse(family.href("/my/messages") + f"#m-{message_id}", status_code=303)


@router.post("/my/messages/read-all")
async def read_all(request: Request, caller: PortalDep, client: str = "") -> Response:
    family = await family_of(caller, client)
    await caller.call("POST", f"{P}/messages/read-all", params=family.params(), json={})
    return RedirectResponse(family.href("/my/messages"), status_code=303)


@router.get("/my/knowledge")
async def knowledge(request: Request, caller: PortalDep, client: str = "") -> Response:
    family, found = await asyncio.gather(
        family_of(caller, client), caller.get(f"{P}/knowledge", client_id=client_id(client))
    )
    context = family.context("/my/knowledge") | {"materials": found["items"]}
    return render(request, "my/knowledge.html", context)
