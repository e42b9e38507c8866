"""A pack's life on its own page (extend, edit validity, bonus classes, freeze, unfreeze,
restore, refund, transfer classes to another client) and the pack report. Every form that
moves money or classes carries an Idempotency-Key made when the form was rendered, so the
same form sent twice does one thing."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.i18n import Formats
from web_svc.pages.ops import full_name, names_by_id
from web_svc.refusals import not_saved
from web_svc.render import formats, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
BI = "/api/v1/billing"
CL = "/api/v1/clients"
Optional = Annotated[str, Form()]
METHODS = ("cash", "card", "transfer")
FINANCE = ("owner", "admin", "accountant")
ACTIONS = ("extend", "validity", "bonus", "freeze", "unfreeze", "restore", "refund", "transfer")


def new_key() -> str:
    return uuid.uuid4().hex


async def _pack_page(
    request: Request,
    caller: Caller,
    client_id: str,
    pack_id: str,
    error: str | None = None,
    done: str = "",
    status_code: int = 200,
) -> Response:
    client, found, family, others = await asyncio.gather(
        caller.get(f"{CL}/clients/{client_id}"),
        caller.get(f"{BI}/clients/{client_id}/packs/{pack_id}"),
        caller.get(f"{CL}/clients/{client_id}/family"),
        caller.get(f"{CL}/clients", limit=200),
    )
    members = [m for m in family.get("members", []) if m["id"] != client_id]
    family_ids = {m["id"] for m in members}
    rest = [c for c in items(others) if c["id"] != client_id and c["id"] not in family_ids]
    fmt = formats("en", caller.session)
    today = fmt.today()
    pack = found["pack"]
    group = await _group(caller, pack.get("group_id"))
    frozen_now = [
        f for f in pack["freezes"] if f["from_date"] <= today.isoformat() <= f["until_date"]
    ]
    return render(
        request,
        "app/pack.html",
        {
            "client": client,
            "pack": pack,
            "usages": found["usages"],
            "history": found["history"],
            "family": members,
            "others": rest,
            "frozen_now": frozen_now,
            "group": group,
            "can_write": caller.role in FINANCE,
            "error": error,
            "done": done,
            "today": today,
            "keys": {action: new_key() for action in ACTIONS},
        },
        status_code=status_code,
    )


async def _group(caller: Caller, group_id: str | None) -> dict[str, Any] | None:
    """The group the pack was sold for, when the caller may see it."""
    if not group_id:
        return None
    try:
        found: dict[str, Any] = await caller.get(f"/api/v1/journal/groups/{group_id}")
    except ApiError:
        return None
    return found


@router.get("/app/clients/{client_id}/packs/{pack_id}")
async def pack_page(
    request: Request, caller: StaffDep, client_id: str, pack_id: str, done: str = ""
) -> Response:
    return await _pack_page(request, caller, client_id, pack_id, done=done)


def _whole(typed: str) -> int | str:
    cleaned = typed.strip()
    return int(cleaned) if cleaned.isdigit() else cleaned


def _with_comment(body: dict[str, Any], comment: str) -> dict[str, Any]:
    if comment.strip():
        body["comment"] = comment.strip()
    return body


def _body(action: str, form: dict[str, str], fmt: Formats) -> dict[str, Any]:
    """The API's body for an action from the form's fields (a field left out is the API's
    default; a wrong one goes as typed, for the API to name)."""
    comment = form.get("comment", "")
    if action == "extend":
        body: dict[str, Any] = {"payment_mode": form.get("payment_mode", "credit")}
        if body["payment_mode"] == "paid":
            method = form.get("method", "")
            body["method"] = method if method in METHODS else "cash"
        return _with_comment(body, comment)
    if action == "validity":
        return _with_comment({"ends_on": form.get("ends_on") or None}, comment)
    if action == "bonus":
        return _with_comment({"classes": _whole(form.get("classes", ""))}, comment)
    if action == "freeze":
        dates = {"from_date": form.get("from_date"), "until_date": form.get("until_date")}
        return _with_comment(dates, comment)
    if action == "unfreeze":
        last = form.get("last_frozen_day", "")
        return {"last_frozen_day": last} if last else {}
    if action == "restore":
        return _with_comment({"ends_on": form.get("ends_on")}, comment)
    if action == "refund":
        body = {}
        if form.get("amount", "").strip():
            body["amount_minor"] = fmt.minor_units(form["amount"])
        if form.get("pay_out_method") in METHODS:
            body["pay_out_method"] = form["pay_out_method"]
        return _with_comment(body, comment)
    # transfer
    body = {"to_client_id": form.get("to_client_id"), "classes": _whole(form.get("classes", ""))}
    return _with_comment(body, comment)


@router.post("/app/clients/{client_id}/packs/{pack_id}/{action}")
async def pack_action(
    request: Request, caller: StaffDep, client_id: str, pack_id: str, action: str
) -> Response:
    _ = words_for(request)
    if action not in ACTIONS:
        return RedirectResponse(f"/app/clients/{client_id}/packs/{pack_id}", status_code=303)
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    fmt = formats("en", caller.session)
    path = f"{BI}/clients/{client_id}/packs/{pack_id}"
    try:
        body = _body(action, form, fmt)
    except ArithmeticError:
        message = _("Enter an amount above zero.")
        return await _pack_page(request, caller, client_id, pack_id, message, status_code=400)
    try:
        if action == "validity":
            # The version the form was rendered with: a change made meanwhile is refused.
            await caller.call(
                "PATCH", path, json=body, headers={"If-Match": f'"{form.get("version", "")}"'}
            )
        else:
            await caller.call(
                "POST",
                f"{path}/{action}",
                json=body,
                headers={"Idempotency-Key": form.get("key") or new_key()},
            )
    except ApiError as exc:
        message = _changed(exc, _) if exc.status in (409, 412) else refusal(exc, _)
        return await _pack_page(request, caller, client_id, pack_id, message, status_code=400)
    return RedirectResponse(
        f"/app/clients/{client_id}/packs/{pack_id}?done={action}", status_code=303
    )


def _changed(exc: ApiError, _: Callable[[str], str]) -> str | Markup:
    if exc.status == 412:
        return _("The pack changed since the page was opened. Look again and retry.")
    return not_saved(exc, _)


@router.get("/app/packs")
async def pack_report(
    request: Request,
    caller: StaffDep,
    from_date: str = "",
    to_date: str = "",
    client_id: str = "",
    cursor: str = "",
) -> Response:
    """Active packs by default; a date range shows the expired ones too, struck through."""
    error = None
    rows: list[dict[str, Any]] = []
    next_cursor = None
    try:
        found = await caller.get(
            f"{BI}/reports/packs",
            from_date=from_date,
            to_date=to_date,
            client_id=client_id,
            cursor=cursor,
            limit=50,
        )
        rows, next_cursor = items(found), found.get("next_cursor")
    except ApiError as exc:
        if exc.status not in (400, 422):
            raise
        error = refusal(exc, words_for(request))
    clients = items(await caller.get(f"{CL}/clients", limit=200))
    names = {c["id"]: full_name(c) for c in clients}
    names |= await names_by_id(caller, {r["client_id"] for r in rows} - names.keys())
    filters = {"from_date": from_date, "to_date": to_date, "client_id": client_id}
    return render(
        request,
        "app/pack_report.html",
        {
            "rows": rows,
            "names": names,
            "clients": clients,
            "next_cursor": next_cursor,
            "filters": filters,
            "filtered": any(filters.values()),
            "error": error,
        },
        status_code=400 if error else 200,
    )
