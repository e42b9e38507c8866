"""Clients: search with filters, a new client, the card (history, family, packs, ledger,
tasks, personal link), freeze, archive and restore."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.addresses import personal_link
from web_svc.deps import Caller, StaffDep, csrf_guard, over_https
from web_svc.gateway import ApiError, items
from web_svc.history_lines import history_lines
from web_svc.pages.client_edit import fields_context, tag_ids, visible_branches
from web_svc.pages.client_reach import forget_new_link, reach_of
from web_svc.pages.selling import sell_context
from web_svc.render import formats, refusal, render, words_for
from web_svc.sessions import SessionBox

router = APIRouter(dependencies=[Depends(csrf_guard)])
CL = "/api/v1/clients"
BI = "/api/v1/billing"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
WRITERS = ("owner", "admin", "teacher")
# A newly issued personal link waits for the card in a sealed cookie: the API shows its token
# only once, and the address must not sit in the browser's history as a query.
NEW_LINK_COOKIE = "crm_new_link"
NEW_LINK_SECONDS = 300
FINANCE = ("owner", "admin", "accountant")


def sees_money(caller: Caller) -> bool:
    hidden = caller.role == "teacher" and caller.session.person.get("finances_hidden")
    return not hidden


@router.get("/app/clients")
async def clients(
    request: Request,
    caller: StaffDep,
    q: str = "",
    status: str = "",
    tag_id: str = "",
    group_id: str = "",
    balance: str = "",
    branch_id: str = "",
    cursor: str = "",
) -> Response:
    """The branch filter lists the branches the caller sees (none for one branch or none):
    the clients service keeps to the caller's scope whatever branch is asked for."""
    page, tags, groups, branches = await asyncio.gather(
        caller.get(
            f"{CL}/clients",
            q=q,
            status=status,
            tag_id=tag_id,
            group_id=group_id,
            balance=balance,
            branch_id=branch_id,
            cursor=cursor,
            limit=50,
        ),
        caller.get(f"{CL}/tags", limit=200),
        caller.get("/api/v1/journal/groups", limit=200),
        visible_branches(caller),
    )
    filters = {
        "q": q,
        "status": status,
        "tag_id": tag_id,
        "group_id": group_id,
        "balance": balance,
        "branch_id": branch_id,
    }
    return render(
        request,
        "app/clients.html",
        {
            "clients": items(page),
            "next_cursor": page.get("next_cursor"),
            "filters": filters,
            "tags": items(tags),
            "groups": items(groups),
            "branches": branches if len(branches) > 1 else [],
            "can_write": caller.role in WRITERS,
            "can_import": caller.role in ("owner", "admin"),
            "filtered": any(filters.values()),
            "money": sees_money(caller),
        },
    )


@router.get("/app/clients/new")
async def new_client_page(request: Request, caller: StaffDep) -> Response:
    context = await fields_context(caller)
    one = context["branches"][0]["id"] if len(context["branches"]) == 1 else ""
    values = {"branch_id": one}
    return render(request, "app/client_new.html", context | {"values": values, "error": None})


@router.post("/app/clients/new")
async def new_client(
    request: Request,
    caller: StaffDep,
    first_name: Text,
    last_name: Text,
    phone: Optional = "",
    email: Optional = "",
    birthday: Optional = "",
    note: Optional = "",
    locale: Optional = "",
    branch_id: Optional = "",
    tags: Optional = "",
) -> Response:
    values = {
        "first_name": first_name,
        "last_name": last_name,
        "phone": phone,
        "email": email,
        "birthday": birthday,
        "note": note,
        "locale": locale,
        "branch_id": branch_id,
    }
    body: dict[str, Any] = {k: v.strip() for k, v in values.items() if v.strip()}
    try:
        body["tag_ids"] = await tag_ids(caller, tags)
        created = await caller.post(f"{CL}/clients", body)
    except ApiError as exc:
        _ = words_for(request)
        context = await fields_context(caller)
        return render(
            request,
            "app/client_new.html",
            context | {"values": values | {"tags": tags}, "error": refusal(exc, _)},
            status_code=400,
        )
    return RedirectResponse(f"/app/clients/{created['id']}?created=1", status_code=303)


async def _quiet(call: Any, fallback: Any) -> Any:
    """A section the caller may not see (finances hidden, a role without it) stays empty."""
    try:
        return await call
    except ApiError as exc:
        if exc.status in (403, 404):
            return fallback
        raise


@router.get("/app/clients/{client_id}")
async def card(
    request: Request,
    caller: StaffDep,
    client_id: str,
    section: Annotated[list[str] | None, Query()] = None,
    created: str = "",
    done: str = "",
) -> Response:
    money = sees_money(caller)
    empty: dict[str, Any] = {"items": []}
    client, history, family, tasks, branches, reach = await asyncio.gather(
        caller.get(f"{CL}/clients/{client_id}"),
        caller.get(f"{CL}/clients/{client_id}/history", section=section, limit=50),
        _quiet(caller.get(f"{CL}/clients/{client_id}/family"), {"members": []}),
        _quiet(caller.get(f"{CL}/clients/{client_id}/tasks", limit=50), empty),
        visible_branches(caller),
        reach_of(request, caller, client_id),
    )
    packs, ledger, services, link, balance = empty, empty, empty, None, None
    if money:
        # The balance from billing itself: the card's copy follows billing's events.
        packs, ledger, services, balance = await asyncio.gather(
            _quiet(caller.get(f"{BI}/clients/{client_id}/packs", limit=50), empty),
            _quiet(caller.get(f"{BI}/clients/{client_id}/ledger", limit=50), empty),
            _quiet(caller.get(f"{BI}/catalogue", limit=200), empty),
            _quiet(caller.get(f"{BI}/clients/{client_id}/balance"), None),
        )
    if balance is not None:
        client["balance_minor"] = balance["balance_minor"]
        client["balance_currency"] = balance["currency"]
    sell = None
    if money and caller.role in FINANCE:
        sell = await sell_context(caller, client_id, {}, items(services), family)
    new_link = None
    if caller.role in WRITERS:
        link = await _quiet(caller.get(f"{CL}/clients/{client_id}/link"), None)
        box: SessionBox = request.app.state.sessions
        note = box.open_note(request.cookies.get(NEW_LINK_COOKIE), NEW_LINK_SECONDS)
        if note and note.get("client_id") == client_id and link and link.get("active"):
            new_link = personal_link(request, note["token"])
    fmt = formats("en", caller.session)
    page = render(
        request,
        "app/client.html",
        {
            "client": client,
            "branch_names": {b["id"]: b["name"] for b in branches},
            "history": history_lines(request, caller.session, items(history)),
            "family": family,
            "reach": reach,
            "tasks": items(tasks),
            "packs": items(packs),
            "ledger": items(ledger),
            "sell": sell,
            "link": link,
            "new_link": new_link,
            "money": money,
            "can_write": caller.role in WRITERS,
            "can_sell": caller.role in FINANCE,
            "section": section or [],
            "created": bool(created),
            "done": done,
            "today": fmt.today(),
        },
    )
    if NEW_LINK_COOKIE in request.cookies:
        page.delete_cookie(NEW_LINK_COOKIE, path=_card_path(client_id))
    forget_new_link(request, page, client_id)
    return page


def _card_path(client_id: str) -> str:
    return f"/app/clients/{client_id}"


@router.post("/app/clients/{client_id}/state")
async def change_state(
    request: Request,
    caller: StaffDep,
    client_id: str,
    action: Text,
    until_date: Optional = "",
    reason: Optional = "",
) -> Response:
    """Freeze (with dates and a reason), unfreeze, archive or restore a client."""
    if action not in ("freeze", "unfreeze", "archive", "restore"):
        return RedirectResponse(f"/app/clients/{client_id}", status_code=303)
    body: dict[str, Any] = {}
    if action == "freeze":
        body = {"until_date": until_date, "reason": reason or "-"}
    await caller.post(f"{CL}/clients/{client_id}/{action}", body)
    return RedirectResponse(f"/app/clients/{client_id}?done={action}", status_code=303)


@router.post("/app/clients/{client_id}/link")
async def issue_link(
    request: Request, caller: StaffDep, client_id: str, revoke: Optional = ""
) -> Response:
    """Issues (or re-issues: the earlier link stops working) the client's personal link, or
    revokes it. A new link's address is shown once, on the card the answer leads to."""
    if revoke:
        await caller.call("DELETE", f"{CL}/clients/{client_id}/link")
        return RedirectResponse(f"{_card_path(client_id)}?done=link-revoked", status_code=303)
    issued = await caller.post(f"{CL}/clients/{client_id}/link", {})
    response = RedirectResponse(f"{_card_path(client_id)}?done=link", status_code=303)
    box: SessionBox = request.app.state.sessions
    note = box.seal_note({"client_id": client_id, "token": str(issued["token"])})
    response.set_cookie(
        NEW_LINK_COOKIE,
        note,
        max_age=NEW_LINK_SECONDS,
        path=_card_path(client_id),
        samesite="lax",
        httponly=True,
        secure=over_https(request),
    )
    return response


@router.post("/app/clients/{client_id}/tasks")
async def add_task(
    request: Request,
    caller: StaffDep,
    client_id: str,
    title: Text,
    due_date: Text,
    kind: Optional = "call",
) -> Response:
    await caller.post(
        f"{CL}/clients/{client_id}/tasks",
        {
            "title": title,
            "due_date": due_date,
            "kind": kind if kind in ("call", "task") else "call",
            "assignee_id": caller.session.person.get("id"),
        },
    )
    return RedirectResponse(f"/app/clients/{client_id}?done=task", status_code=303)
