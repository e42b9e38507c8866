"""Clients from a spreadsheet (CSV or XLSX) and to one: upload, the column-mapping screen,
the dry run's report (rows that can be imported, every problem by row and field), the run
(the good rows; the bad ones are left out and named), and the export as CSV.

The web keeps nothing: the file travels between the steps in the forms (base64), and each
step asks the clients service's import API."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import UploadFile

from web_svc.deps import Caller, StaffDep, csrf_guard
from web_svc.gateway import ApiError, caller_address
from web_svc.render import N_, refusal, render, words_for

router = APIRouter(dependencies=[Depends(csrf_guard)])
CL = "/api/v1/clients"
Text = Annotated[str, Form()]
Optional = Annotated[str, Form()]
MANAGERS = ("owner", "admin")
MAX_BYTES = 5_000_000
# The card's fields a column may fill, and the headers that most likely mean each.
FIELDS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("first_name", N_("First name"), ("first name", "name", "имя", "imię", "ім'я", "імя")),
    ("last_name", N_("Last name"), ("last name", "surname", "фамилия", "nazwisko", "прізвище")),
    ("phone", N_("Phone"), ("phone", "telephone", "mobile", "телефон", "telefon", "tel")),
    ("email", N_("Email"), ("email", "e-mail", "mail", "почта", "пошта")),
    (
        "birthday",
        N_("Birthday"),
        ("birthday", "date of birth", "дата рождения", "urodziny", "data urodzenia"),
    ),
    ("note", N_("Note"), ("note", "comment", "заметка", "комментарий", "notatka", "uwagi")),
    ("lead_source", N_("Lead source"), ("source", "lead source", "источник", "źródło")),
    ("tags", N_("Tags"), ("tags", "теги", "tagi", "тег", "tag")),
)


def guess(columns: list[str]) -> dict[str, str]:
    """For each field, the column whose header most likely means it."""
    by_name = {c.strip().lower().replace("_", " "): c for c in columns}
    found: dict[str, str] = {}
    for field, _label, names in FIELDS:
        for name in (field.replace("_", " "), *names):
            if name in by_name and by_name[name] not in found.values():
                found[field] = by_name[name]
                break
    return found


def _file_format(filename: str) -> str | None:
    name = filename.lower()
    return "xlsx" if name.endswith(".xlsx") else "csv" if name.endswith(".csv") else None


def _step(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    labels = {field: label for field, label, _names in FIELDS}
    values = {"fields": FIELDS, "field_labels": labels, **context}
    return render(request, template, values, status_code=status)


def _not_allowed(caller: Caller) -> Response | None:
    if caller.role in MANAGERS:
        return None
    return render(
        caller.request,
        "error.html",
        {"status": 403, "kind": "api", "detail": "owner or admin"},
        status_code=403,
    )


@router.get("/app/clients/import")
async def upload_page(request: Request, caller: StaffDep) -> Response:
    return _not_allowed(caller) or _step(request, "app/import_upload.html", {"error": None})


@router.post("/app/clients/import")
async def upload(request: Request, caller: StaffDep) -> Response:
    """The uploaded file's columns and first rows, and the mapping screen."""
    _ = words_for(request)
    form = await request.form()
    file = form.get("file")
    if not isinstance(file, UploadFile) or _file_format(file.filename or "") is None:
        error = _("Choose a .csv or .xlsx file.")
        return _step(request, "app/import_upload.html", {"error": error}, 400)
    content = await file.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        error = _("The file is too large.")
        return _step(request, "app/import_upload.html", {"error": error}, 400)
    fmt = _file_format(file.filename or "")
    encoded = base64.b64encode(content).decode()
    try:
        preview = await caller.post(
            f"{CL}/imports/preview", {"format": fmt, "content_base64": encoded}
        )
    except ApiError as exc:
        error = refusal(exc, _)
        return _step(request, "app/import_upload.html", {"error": error}, 400)
    return _step(
        request,
        "app/import_map.html",
        {
            "preview": preview,
            "mapping": guess(preview["columns"]),
            "content": encoded,
            "format": fmt,
            "filename": file.filename,
            "error": None,
        },
    )


def _mapping(form: dict[str, str]) -> dict[str, str]:
    return {f: form[f"map_{f}"] for f, _l, _n in FIELDS if form.get(f"map_{f}")}


async def _run(caller: Caller, form: dict[str, str], dry_run: bool) -> dict[str, Any]:
    report: dict[str, Any] = await caller.post(
        f"{CL}/imports",
        {
            "format": form.get("format", "csv"),
            "content_base64": form.get("content", ""),
            "mapping": _mapping(form),
            "dry_run": dry_run,
            "skip_invalid": True,
        },
    )
    return report


@router.post("/app/clients/import/check")
async def check(request: Request, caller: StaffDep) -> Response:
    """The dry run: what would be imported, and every bad row by row and field."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    context: dict[str, Any] = {
        "content": form.get("content", ""),
        "format": form.get("format", "csv"),
        "filename": form.get("filename", ""),
        "mapping": _mapping(form),
    }
    try:
        report = await _run(caller, form, dry_run=True)
    except ApiError as exc:
        _ = words_for(request)
        preview = await caller.post(
            f"{CL}/imports/preview",
            {"format": context["format"], "content_base64": context["content"]},
        )
        context |= {"preview": preview, "error": refusal(exc, _)}
        return _step(request, "app/import_map.html", context, 400)
    return _step(request, "app/import_report.html", context | {"report": report})


@router.post("/app/clients/import/run")
async def run(request: Request, caller: StaffDep) -> Response:
    """Imports the rows without problems; the answer names the rows left out."""
    form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
    try:
        report = await _run(caller, form, dry_run=False)
    except ApiError as exc:
        error = refusal(exc, words_for(request))
        return _step(request, _done(request), {"report": None, "error": error}, 400)
    return _step(request, _done(request), {"report": report, "error": None})


def _done(request: Request) -> str:
    """The result in the report's page (htmx), or as a page of its own."""
    part = request.headers.get("hx-request") == "true"
    return "app/import_done_part.html" if part else "app/import_done.html"


@router.get("/app/clients/export")
async def export(
    request: Request,
    caller: StaffDep,
    q: str = "",
    status: str = "",
    tag_id: str = "",
    group_id: str = "",
    balance: str = "",
    branch_id: str = "",
) -> Response:
    """The clients the list shows (its filters), as the CSV the clients service writes."""
    params = {
        "q": q,
        "status": status,
        "tag_id": tag_id,
        "group_id": group_id,
        "balance": balance,
        "branch_id": branch_id,
    }
    clean = {k: v for k, v in params.items() if v}
    if caller.session.needs_refresh():
        await caller.refresh()
    response = await caller.gateway.call(
        "GET",
        f"{CL}/export",
        token=caller.session.access,
        params=clean,
        caller_address=caller_address(request.headers),
    )
    if response.status_code >= 400:
        return RedirectResponse("/app/clients", status_code=303)
    return Response(
        content=response.content,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="clients.csv"'},
    )
