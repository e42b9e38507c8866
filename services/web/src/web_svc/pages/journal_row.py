"""What can be done to a client from the journal without leaving it: a payment, an invoice,
a transfer to another group, archiving, comments, and a make-up seat for an excused cell."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import orjson
from fastapi import APIRouter, Depends, Form, Request, Response

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.refusals import not_saved
from web_svc.render import formats, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
J = "/api/v1/journal"
BI = "/api/v1/billing"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]


async def _actions_context(caller: Caller, group_id: str, client_id: str) -> dict[str, Any]:
    client, groups, enrolments, comments, makeups = await asyncio.gather(
        caller.get(f"/api/v1/clients/clients/{client_id}"),
        caller.get(f"{J}/groups", limit=200),
        caller.get(f"{J}/groups/{group_id}/enrolments", limit=200),
        caller.get(f"{J}/comments", group_id=group_id, client_id=client_id, limit=20),
        caller.get(f"{J}/makeups", client_id=client_id, group_id=group_id, limit=10),
    )
    enrolment = next(
        (e for e in items(enrolments) if e["client_id"] == client_id and not e["until_date"]),
        None,
    )
    role = caller.role
    return {
        "client": client,
        "group_id": group_id,
        "groups": [g for g in items(groups) if g["id"] != group_id],
        "enrolment": enrolment,
        "comments": items(comments),
        "makeups": items(makeups),
        "today": formats("en", caller.session).today(),
        "can_pay": role in ("owner", "admin", "accountant"),
        "can_move": role in ("owner", "admin"),
        "result": None,
    }


@router.get("/app/groups/{group_id}/rows/{client_id}/actions")
async def actions(request: Request, caller: StaffDep, group_id: str, client_id: str) -> Response:
    context = await _actions_context(caller, group_id, client_id)
    return render(request, "app/row_actions.html", context)


async def _done(
    request: Request, caller: Caller, group_id: str, client_id: str, result: str, ok: bool
) -> Response:
    context = await _actions_context(caller, group_id, client_id)
    context["result"] = result
    context["ok"] = ok
    response = render(request, "app/row_actions.html", context)
    if ok:
        response.headers["HX-Trigger"] = orjson.dumps(
            {"row-changed": {"client": client_id}}
        ).decode()
    return response


@router.post("/app/groups/{group_id}/rows/{client_id}/payment")
async def payment(
    request: Request,
    caller: StaffDep,
    group_id: str,
    client_id: str,
    amount: Text,
    method: Text,
    paid_on: Optional = "",
    comment: Optional = "",
    key: Optional = "",
) -> Response:
    _ = words_for(request)
    fmt = formats("en", caller.session)
    try:
        body: dict[str, Any] = {"amount_minor": fmt.minor_units(amount), "method": method}
    except ArithmeticError:
        return await _done(request, caller, group_id, client_id, _("Enter the amount."), False)
    if paid_on:
        body["paid_on"] = paid_on
    if comment.strip():
        body["comment"] = comment.strip()
    # The form's own key: sent twice (a double click, a retry), it is paid once.
    headers = {"Idempotency-Key": key or uuid.uuid4().hex}
    try:
        await caller.call("POST", f"{BI}/clients/{client_id}/payments", json=body, headers=headers)
    except ApiError as exc:
        return await _done(request, caller, group_id, client_id, not_saved(exc, _), False)
    return await _done(request, caller, group_id, client_id, _("Payment recorded."), True)


@router.post("/app/groups/{group_id}/rows/{client_id}/invoice")
async def invoice(
    request: Request,
    caller: StaffDep,
    group_id: str,
    client_id: str,
    amount: Text,
    due_on: Text,
    description: Text,
    key: Optional = "",
) -> Response:
    _ = words_for(request)
    fmt = formats("en", caller.session)
    try:
        body = {
            "amount_minor": fmt.minor_units(amount),
            "due_on": due_on,
            "description": description,
        }
    except ArithmeticError:
        return await _done(request, caller, group_id, client_id, _("Enter the amount."), False)
    try:
        await caller.call(
            "POST",
            f"{BI}/clients/{client_id}/invoices",
            json=body,
            headers={"Idempotency-Key": key or uuid.uuid4().hex},
        )
    except ApiError as exc:
        return await _done(request, caller, group_id, client_id, not_saved(exc, _), False)
    return await _done(request, caller, group_id, client_id, _("Invoice issued."), True)


@router.post("/app/groups/{group_id}/rows/{client_id}/transfer")
async def transfer(
    request: Request,
    caller: StaffDep,
    group_id: str,
    client_id: str,
    enrolment_id: Text,
    to_group_id: Text,
    on_date: Text,
) -> Response:
    _ = words_for(request)
    try:
        await caller.post(
            f"{J}/groups/{group_id}/enrolments/{enrolment_id}/transfer",
            {"to_group_id": to_group_id, "on_date": on_date},
        )
    except ApiError as exc:
        return await _done(request, caller, group_id, client_id, not_saved(exc, _), False)
    return await _done(request, caller, group_id, client_id, _("Transferred."), True)


@router.post("/app/groups/{group_id}/rows/{client_id}/archive")
async def archive(
    request: Request,
    caller: StaffDep,
    group_id: str,
    client_id: str,
    enrolment_id: Text,
    until_date: Optional = "",
) -> Response:
    _ = words_for(request)
    body = {"until_date": until_date} if until_date else {}
    try:
        await caller.post(f"{J}/groups/{group_id}/enrolments/{enrolment_id}/archive", body)
    except ApiError as exc:
        return await _done(request, caller, group_id, client_id, not_saved(exc, _), False)
    return await _done(
        request, caller, group_id, client_id, _("The client leaves the group."), True
    )


@router.post("/app/groups/{group_id}/rows/{client_id}/comments")
async def comment(
    request: Request,
    caller: StaffDep,
    group_id: str,
    client_id: str,
    body: Text,
    kind: Optional = "information",
    visible_to_client: Optional = "",
) -> Response:
    _ = words_for(request)
    payload = {
        "target": "client",
        "group_id": group_id,
        "client_id": client_id,
        "kind": kind if kind in ("action", "information") else "information",
        "body": body,
        "visible_to_client": visible_to_client == "on",
    }
    try:
        await caller.post(f"{J}/comments", payload)
    except ApiError as exc:
        return await _done(request, caller, group_id, client_id, not_saved(exc, _), False)
    return await _done(request, caller, group_id, client_id, _("Comment added."), True)


@router.get("/app/groups/{group_id}/rows/{client_id}/seats")
async def seats(
    request: Request,
    caller: StaffDep,
    group_id: str,
    client_id: str,
    lesson_id: str,
    any_programme: bool = False,
) -> Response:
    """The make-up seat finder: free seats in other groups and branches, fullest last."""
    found = await caller.get(
        f"{J}/lessons/{lesson_id}/marks/{client_id}/makeup-seats",
        any_programme=any_programme or None,
        limit=20,
    )
    return render(
        request,
        "app/seats.html",
        {
            "found": found,
            "client_id": client_id,
            "group_id": group_id,
            "lesson_id": lesson_id,
        },
    )


@router.post("/app/groups/{group_id}/rows/{client_id}/seats")
async def book_seat(
    request: Request,
    caller: StaffDep,
    group_id: str,
    client_id: str,
    lesson_id: Text,
    absence_id: Text,
    starts: Optional = "",
) -> Response:
    """Books the make-up in that lesson: ahead of it, a planned mark naming the absence (it
    holds the seat; the journal takes attendance only once a lesson has started), and for a
    lesson under way or past, the make-up attendance itself."""
    _ = words_for(request)
    status = "planned" if _ahead(starts, formats("en", caller.session).zone) else "makeup_attended"
    try:
        await caller.call(
            "PUT",
            f"{J}/lessons/{lesson_id}/marks/{client_id}",
            json={"status": status, "makeup_of": absence_id},
            headers={"If-Match": '"0"'},
        )
    except ApiError as exc:
        return await _done(request, caller, group_id, client_id, not_saved(exc, _), False)
    return await _done(request, caller, group_id, client_id, _("Make-up booked."), True)


def _ahead(starts: str, zone: ZoneInfo) -> bool:
    """Whether a lesson starting at `starts` (its date and time, as the seat finder lists
    them, in the organisation's zone) is still to begin; unreadable means already begun."""
    try:
        begins = datetime.fromisoformat(starts).replace(tzinfo=zone)
    except ValueError:
        return False
    return datetime.now(zone) < begins
