"""Staff and grants (owner and admins; only the owner changes them): the list with role,
status and branches, an invitation by email, a person's role and branch or group grants,
deactivation."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.render import N_, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
ID = "/api/v1/identity"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
Ids = Annotated[list[str] | None, Form()]
READERS = ("owner", "admin")
ROLES = {
    "owner": N_("Owner"),
    "admin": N_("Admin"),
    "teacher": N_("Teacher"),
    "accountant": N_("Accountant"),
}
STATUSES = {"active": N_("active"), "invited": N_("invited"), "deactivated": N_("deactivated")}
# Which grants a role takes (identity refuses others): a teacher works in groups (or a
# whole branch), an admin or accountant in branches; the owner everywhere.
SCOPES = {
    "owner": (),
    "admin": ("branch",),
    "accountant": ("branch",),
    "teacher": ("group", "branch"),
}
DONE = {
    "invited": N_("The invitation is sent."),
    "role": N_("The role is changed."),
    "grants": N_("The access is changed."),
    "deactivated": N_("The person is deactivated: they can no longer sign in."),
}


def _not_found(request: Request) -> Response:
    return render(request, "error.html", {"status": 404, "kind": "page"}, status_code=404)


async def _places(caller: Caller) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    branches, groups = await asyncio.gather(
        caller.get(f"{ID}/branches", limit=200), caller.get("/api/v1/journal/groups", limit=200)
    )
    return items(branches), items(groups)


def _grants(role: str, branch_ids: list[str] | None, group_ids: list[str] | None) -> list[Any]:
    allowed = SCOPES.get(role, ())
    chosen = [("branch", b) for b in branch_ids or []] + [("group", g) for g in group_ids or []]
    return [{"scope": s, "scope_id": i} for s, i in chosen if s in allowed and i]


async def _list(
    request: Request,
    caller: Caller,
    *,
    done: str = "",
    error: str | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    people, (branches, groups) = await asyncio.gather(
        caller.get(f"{ID}/staff", limit=200), _places(caller)
    )
    _ = words_for(request)
    return render(
        request,
        "app/staff.html",
        {
            "people": items(people),
            "branches": branches,
            "groups": groups,
            "pick_branches": branches,
            "pick_groups": groups,
            "granted": set(),
            "names": {p["id"]: p["name"] for p in branches + groups},
            "roles": ROLES,
            "statuses": STATUSES,
            "can_manage": caller.role == "owner",
            "done": _(DONE[done]) if done in DONE else "",
            "error": error,
            "values": values or {},
        },
        status_code=status_code,
    )


@router.get("/app/staff")
async def staff(request: Request, caller: StaffDep, done: str = "") -> Response:
    if caller.role not in READERS:
        return _not_found(request)
    return await _list(request, caller, done=done)


@router.post("/app/staff")
async def invite(
    request: Request,
    caller: StaffDep,
    name: Text,
    email: Text,
    role: Text,
    branch_ids: Ids = None,
    group_ids: Ids = None,
) -> Response:
    """An invitation: identity emails the person a link to choose their password."""
    if caller.role not in READERS:
        return _not_found(request)
    body = {
        "name": name,
        "email": email,
        "role": role,
        "grants": _grants(role, branch_ids, group_ids),
    }
    try:
        await caller.post(f"{ID}/staff", body)
    except ApiError as exc:
        if exc.status not in (400, 403, 409, 422):
            raise
        values = {"name": name, "email": email, "role": role}
        error = refusal(exc, words_for(request))
        return await _list(request, caller, error=error, values=values, status_code=400)
    return RedirectResponse("/app/staff?done=invited", status_code=303)


async def _person_page(
    request: Request,
    caller: Caller,
    user_id: str,
    *,
    done: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    person, (branches, groups) = await asyncio.gather(
        caller.get(f"{ID}/staff/{user_id}"), _places(caller)
    )
    _ = words_for(request)
    granted = {g["scope_id"] for g in person["grants"]}
    scopes = SCOPES.get(person["role"], ())
    return render(
        request,
        "app/staff_person.html",
        {
            "person": person,
            "branches": branches,
            "groups": groups,
            "granted": granted,
            "pick_branches": branches if "branch" in scopes else [],
            "pick_groups": groups if "group" in scopes else [],
            "roles": ROLES,
            "statuses": STATUSES,
            "can_manage": caller.role == "owner" and person["role"] != "owner",
            "done": _(DONE[done]) if done in DONE else "",
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/app/staff/{user_id}")
async def person(request: Request, caller: StaffDep, user_id: str, done: str = "") -> Response:
    if caller.role not in READERS:
        return _not_found(request)
    return await _person_page(request, caller, user_id, done=done)


async def _change(
    request: Request, caller: Caller, user_id: str, done: str, method: str, path: str, **kw: Any
) -> Response:
    if caller.role not in READERS:
        return _not_found(request)
    try:
        await caller.call(method, path, **kw)
    except ApiError as exc:
        if exc.status not in (400, 403, 409, 412, 422):
            raise
        _ = words_for(request)
        error = (
            _("Someone changed this person meanwhile: here they are as they are now.")
            if exc.status == 412
            else refusal(exc, _)
        )
        return await _person_page(request, caller, user_id, error=error, status_code=400)
    return RedirectResponse(f"/app/staff/{user_id}?done={done}", status_code=303)


@router.post("/app/staff/{user_id}/role")
async def change_role(
    request: Request,
    caller: StaffDep,
    user_id: str,
    role: Text,
    version: Text,
    finances_hidden: Optional = "",
) -> Response:
    body = {"role": role, "finances_hidden": bool(finances_hidden)}
    return await _change(
        request,
        caller,
        user_id,
        "role",
        "PATCH",
        f"{ID}/staff/{user_id}",
        json=body,
        headers={"If-Match": version.strip()},
    )


@router.post("/app/staff/{user_id}/grants")
async def change_grants(
    request: Request,
    caller: StaffDep,
    user_id: str,
    role: Text,
    branch_ids: Ids = None,
    group_ids: Ids = None,
) -> Response:
    body = {"grants": _grants(role, branch_ids, group_ids)}
    return await _change(
        request, caller, user_id, "grants", "PUT", f"{ID}/staff/{user_id}/grants", json=body
    )


@router.post("/app/staff/{user_id}/deactivate")
async def deactivate(request: Request, caller: StaffDep, user_id: str) -> Response:
    return await _change(
        request, caller, user_id, "deactivated", "POST", f"{ID}/staff/{user_id}/deactivate", json={}
    )
