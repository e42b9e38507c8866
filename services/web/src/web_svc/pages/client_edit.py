"""A client's card edited: names, contacts, birthday, note and the language of their
messages. Only what changed is sent, with the version the form showed: a card someone changed
meanwhile is shown again as it is now, nothing overwritten."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse

from web_svc.deps import StaffDep, csrf_guard
from web_svc.gateway import ApiError
from web_svc.render import refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
CL = "/api/v1/clients"
Optional = Annotated[str, Form()]
FIELDS = ("first_name", "last_name", "phone", "email", "birthday", "note", "locale")
# Each language named in itself; empty: the school's language.
LANGUAGES = {"en": "English", "ru": "Русский", "pl": "Polski", "uk": "Українська"}


def _form(client: dict[str, Any]) -> dict[str, str]:
    return {name: str(client.get(name) or "") for name in FIELDS}


def _page(
    request: Request,
    client: dict[str, Any],
    values: dict[str, str],
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    context = {"client": client, "values": values, "error": error, "languages": LANGUAGES}
    return render(request, "app/client_edit.html", context, status_code=status_code)


@router.get("/app/clients/{client_id}/edit")
async def edit_page(request: Request, caller: StaffDep, client_id: str) -> Response:
    client = await caller.get(f"{CL}/clients/{client_id}")
    return _page(request, client, _form(client))


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
) -> Response:
    typed = dict(
        zip(FIELDS, (first_name, last_name, phone, email, birthday, note, locale), strict=True)
    )
    client = await caller.get(f"{CL}/clients/{client_id}")
    shown = _form(client)
    # A field emptied clears it (null); names cannot be cleared (the API says so by name).
    changes = {
        name: value.strip() or None for name, value in typed.items() if value.strip() != shown[name]
    }
    _ = words_for(request)
    if not changes:
        return RedirectResponse(f"/app/clients/{client_id}", status_code=303)
    try:
        await caller.call(
            "PATCH",
            f"{CL}/clients/{client_id}",
            json=changes,
            headers={"If-Match": version.strip()},
        )
    except ApiError as exc:
        if exc.status == 412:
            error = _("Someone changed this card meanwhile: here it is as it is now.")
            return _page(request, client, shown, error, status_code=409)
        if exc.status not in (400, 409, 422):
            raise
        return _page(request, client, typed, refusal(exc, _), status_code=400)
    return RedirectResponse(f"/app/clients/{client_id}?done=edited", status_code=303)
