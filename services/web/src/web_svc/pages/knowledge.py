"""The knowledge centre for staff: the materials clients read in the portal (/my/knowledge),
listed, published (title, text, links, for every branch or one branch's clients, with a
file), edited with the version the form showed (a file may be added), and deleted after a
confirmation. Owners and admins, as the portal's API allows: an owner publishes for the
whole organisation, an admin for a branch of theirs. A file goes to the API as it came in
the form (its bytes, its type, its name)."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from starlette.datastructures import FormData, UploadFile

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.render import MANAGERS, N_, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
PS = "/api/v1/portal"
BRANCHES = "/api/v1/identity/branches"
EVERY_BRANCH = ""  # the audience field's value for the whole organisation
NOTICES = {
    "added": N_("The material is published."),
    "saved": N_("The material is saved."),
    "deleted": N_("The material is deleted."),
}
TYPED = ("title", "body", "links")


def _not_allowed(request: Request, caller: Caller) -> Response | None:
    if caller.role in MANAGERS:
        return None
    context = {"status": 403, "kind": "api", "detail": "owner or admin"}
    return render(request, "error.html", context, status_code=403)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _values(form: FormData) -> dict[str, str]:
    return {k: _text(form, k) for k in ("title", "body", "links", "branch_id", "version")}


def _body(values: dict[str, str]) -> dict[str, Any]:
    return {
        "title": values["title"],
        "body": values["body"],
        "links": [line.strip() for line in values["links"].splitlines() if line.strip()],
    }


def _file(form: FormData) -> UploadFile | None:
    found = form.get("file")
    return found if isinstance(found, UploadFile) and found.filename else None


async def _attach(caller: Caller, material_id: str, file: UploadFile) -> None:
    data = await file.read()
    await caller.call(
        "POST",
        f"{PS}/materials/{material_id}/files",
        params={"name": file.filename},
        content=data,
        headers={"content-type": file.content_type or "application/octet-stream"},
    )


async def _materials(caller: Caller) -> list[dict[str, Any]]:
    return items(await caller.get(f"{PS}/materials"))


async def _branches(caller: Caller) -> dict[str, str]:
    return {str(b["id"]): str(b["name"]) for b in items(await caller.get(BRANCHES, limit=200))}


async def _list(
    request: Request,
    caller: Caller,
    *,
    values: dict[str, str] | None = None,
    error: Markup | str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    materials, branches = await asyncio.gather(_materials(caller), _branches(caller))
    whole = caller.role == "owner"
    first = "" if whole else next(iter(branches), "")
    empty = {"title": "", "body": "", "links": "", "branch_id": first}
    context = {
        "materials": materials,
        "branches": branches,
        "whole": whole,
        "values": values or empty,
        "error": error,
        "notice": notice,
    }
    return render(request, "app/knowledge.html", context, status_code=status_code)


@router.get("/app/knowledge")
async def knowledge(request: Request, caller: StaffDep, done: str = "") -> Response:
    refused = _not_allowed(request, caller)
    if refused:
        return refused
    _ = words_for(request)
    return await _list(request, caller, notice=_(NOTICES[done]) if done in NOTICES else None)


@router.post("/app/knowledge")
async def publish(request: Request, caller: StaffDep) -> Response:
    refused = _not_allowed(request, caller)
    if refused:
        return refused
    _ = words_for(request)
    form = await request.form()
    values = _values(form)
    body = _body(values) | {"branch_id": values["branch_id"] or None}
    try:
        made = await caller.post(f"{PS}/materials", body)
    except ApiError as exc:
        return await _list(request, caller, values=values, error=refusal(exc, _), status_code=400)
    file = _file(form)
    if file is not None:
        try:
            await _attach(caller, str(made["id"]), file)
        except ApiError as exc:
            error = Markup("{} {}").format(
                _("The material is published, but without its file."), refusal(exc, _)
            )
            return await _edit(request, caller, str(made["id"]), error=error, status_code=400)
    return RedirectResponse("/app/knowledge?done=added", status_code=303)


async def _found(caller: Caller, material_id: str) -> dict[str, Any]:
    for material in await _materials(caller):
        if str(material["id"]) == material_id:
            return material
    raise ApiError(404, {"title": "Not Found"})


async def _edit(
    request: Request,
    caller: Caller,
    material_id: str,
    *,
    values: dict[str, str] | None = None,
    error: Markup | str | None = None,
    status_code: int = 200,
) -> Response:
    material, branches = await asyncio.gather(_found(caller, material_id), _branches(caller))
    shown = {
        "title": material["title"],
        "body": material["body"],
        "links": "\n".join(material["links"]),
        "version": str(material["version"]),
    }
    context = {
        "material": material,
        "branches": branches,
        # a refused form keeps what was typed, with the version the material has now
        "values": shown | {k: values[k] for k in TYPED} if values else shown,
        "error": error,
    }
    return render(request, "app/knowledge_edit.html", context, status_code=status_code)


@router.get("/app/knowledge/{material_id}")
async def edit_page(request: Request, caller: StaffDep, material_id: str) -> Response:
    return _not_allowed(request, caller) or await _edit(request, caller, material_id)


@router.post("/app/knowledge/{material_id}")
async def save(request: Request, caller: StaffDep, material_id: str) -> Response:
    refused = _not_allowed(request, caller)
    if refused:
        return refused
    _ = words_for(request)
    form = await request.form()
    values = _values(form)
    try:
        await caller.call(
            "PATCH",
            f"{PS}/materials/{material_id}",
            json=_body(values),
            headers={"If-Match": f'"{values["version"].strip()}"'},
        )
    except ApiError as exc:
        if exc.status == 412:
            error = _("Someone else changed this material meanwhile. Here it is as it is now.")
            return await _edit(request, caller, material_id, error=error, status_code=409)
        return await _edit(
            request, caller, material_id, values=values, error=refusal(exc, _), status_code=400
        )
    file = _file(form)
    if file is not None:
        try:
            await _attach(caller, material_id, file)
        except ApiError as exc:
            error = Markup("{} {}").format(
                _("The material is saved, but without the file."), refusal(exc, _)
            )
            return await _edit(request, caller, material_id, error=error, status_code=400)
    return RedirectResponse("/app/knowledge?done=saved", status_code=303)


@router.get("/app/knowledge/{material_id}/delete")
async def delete_page(request: Request, caller: StaffDep, material_id: str) -> Response:
    refused = _not_allowed(request, caller)
    if refused:
        return refused
    material, branches = await asyncio.gather(_found(caller, material_id), _branches(caller))
    context = {"material": material, "branches": branches}
    return render(request, "app/knowledge_delete.html", context)


@router.post("/app/knowledge/{material_id}/delete")
async def delete(request: Request, caller: StaffDep, material_id: str) -> Response:
    refused = _not_allowed(request, caller)
    if refused:
        return refused
    try:
        await caller.call("DELETE", f"{PS}/materials/{material_id}")
    except ApiError as exc:
        error = refusal(exc, words_for(request))
        return await _list(request, caller, error=error, status_code=400)
    return RedirectResponse("/app/knowledge?done=deleted", status_code=303)
