"""A client's card edited: names, contacts, birthday, note, the language of their messages,
the home branch and the tags. Only what changed is sent, with the version the form showed: a
card someone changed meanwhile is shown again as it is now, nothing overwritten. Tags are
typed as names separated by commas; a name no tag has yet becomes a new tag."""

from __future__ import annotations

import asyncio
import unicodedata
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, items
from web_svc.render import refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
CL = "/api/v1/clients"
ID = "/api/v1/identity"
Optional = Annotated[str, Form()]
FIELDS = ("first_name", "last_name", "phone", "email", "birthday", "note", "locale", "branch_id")
# Each language named in itself; empty: the school's language.
LANGUAGES = {"en": "English", "ru": "Русский", "pl": "Polski", "uk": "Українська"}


def fold(name: str) -> str:
    """A tag's name as the clients service compares names (case and width aside)."""
    return unicodedata.normalize("NFKC", " ".join(name.split())).casefold()


def tag_names(typed: str) -> list[str]:
    """The names typed, separated by commas, each once."""
    found: dict[str, str] = {}
    for part in typed.split(","):
        name = " ".join(part.split())
        if name:
            found.setdefault(fold(name), name)
    return list(found.values())


def tag_text(client: dict[str, Any]) -> str:
    return ", ".join(t["name"] for t in client.get("tags") or [])


async def visible_branches(caller: Caller) -> list[dict[str, Any]]:
    """The branches the caller works in (every one for the owner; none for a teacher who has
    only groups)."""
    return list(items(await caller.get(f"{ID}/branches", limit=200)))


async def fields_context(caller: Caller) -> dict[str, Any]:
    """What the card's fields offer: languages, the caller's branches, the tags in use."""
    branches, tags = await asyncio.gather(
        visible_branches(caller), caller.get(f"{CL}/tags", limit=200)
    )
    return {"languages": LANGUAGES, "branches": branches, "known_tags": items(tags)}


async def tag_ids(caller: Caller, typed: str, again: bool = True) -> list[str]:
    """The ids of the tags named, new tags made for names no tag has."""
    names = tag_names(typed)
    if not names:
        return []
    known = {fold(t["name"]): t["id"] for t in items(await caller.get(f"{CL}/tags", limit=200))}
    ids = []
    for name in names:
        found = known.get(fold(name))
        if found is None:
            try:
                found = (await caller.post(f"{CL}/tags", {"name": name}))["id"]
            except ApiError as exc:
                if exc.status == 409 and again:  # made meanwhile under this name
                    return await tag_ids(caller, typed, again=False)
                errors = exc.problem.get("errors") or []
                renamed = [e | {"field": "tags"} for e in errors if isinstance(e, dict)]
                raise ApiError(exc.status, exc.problem | {"errors": renamed}) from exc
        ids.append(found)
    return ids


def _form(client: dict[str, Any]) -> dict[str, str]:
    return {name: str(client.get(name) or "") for name in FIELDS} | {"tags": tag_text(client)}


async def _page(
    request: Request,
    caller: Caller,
    client: dict[str, Any],
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = await fields_context(caller)
    context |= {"client": client, "values": values, "error": error}
    return render(request, "app/client_edit.html", context, status_code=status_code)


@router.get("/app/clients/{client_id}/edit")
async def edit_page(request: Request, caller: StaffDep, client_id: str) -> Response:
    client = await caller.get(f"{CL}/clients/{client_id}")
    return await _page(request, caller, client, _form(client))


@router.post("/app/clients/{client_id}/edit")
async def edit(
    request: Request,
    caller: StaffDep,
    client_id: str,
    version: Annotated[str, Form()],
    first_name: Optional = "",
    last_name: Optional = "",
    phone: Optional = "",
    email: Optional = "",
    birthday: Optional = "",
    note: Optional = "",
    locale: Optional = "",
    branch_id: Optional = "",
    tags: Optional = "",
) -> Response:
    typed = dict(
        zip(
            FIELDS,
            (first_name, last_name, phone, email, birthday, note, locale, branch_id),
            strict=True,
        )
    )
    client = await caller.get(f"{CL}/clients/{client_id}")
    shown = _form(client)
    # A field emptied clears it (null); names cannot be cleared (the API says so by name).
    changes = {
        name: value.strip() or None for name, value in typed.items() if value.strip() != shown[name]
    }
    retag = {fold(n) for n in tag_names(tags)} != {fold(n) for n in tag_names(shown["tags"])}
    _ = words_for(request)
    if not changes and not retag:
        return RedirectResponse(f"/app/clients/{client_id}", status_code=303)
    stale = _("Someone changed this card meanwhile: here it is as it is now.")
    if version.strip() != str(client["version"]):
        return await _page(request, caller, client, shown, stale, status_code=409)
    try:
        chosen = await tag_ids(caller, tags) if retag else []
        if changes:
            await caller.call(
                "PATCH",
                f"{CL}/clients/{client_id}",
                json=changes,
                headers={"If-Match": version.strip()},
            )
        if retag:
            await caller.call("PUT", f"{CL}/clients/{client_id}/tags", json={"tag_ids": chosen})
    except ApiError as exc:
        if exc.status == 412:
            return await _page(request, caller, client, shown, stale, status_code=409)
        if exc.status not in (400, 409, 422):
            raise
        values = typed | {"tags": tags}
        return await _page(request, caller, client, values, refusal(exc, _), status_code=400)
    return RedirectResponse(f"/app/clients/{client_id}?done=edited", status_code=303)
