"""Routes of import (JSON or an uploaded file) and export to CSV."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Response, UploadFile
from pydantic import ValidationError

from clients_svc.cards.api import Balance, Q, StatusParam, TagMode, TagParam
from clients_svc.deps import use_case
from clients_svc.imports import schemas
from clients_svc.imports.docs import MAPPING_DESCRIPTION
from clients_svc.imports.service import Imports
from crm_platform.errors import invalid_fields
from crm_platform.internal_auth import PrincipalDep

router = APIRouter()
ImportsDep = Annotated[Imports, Depends(use_case(Imports))]


@router.post("/imports")
async def import_clients(
    body: schemas.ImportIn, principal: PrincipalDep, svc: ImportsDep
) -> schemas.ImportReport:
    """A dry run reports every bad row; an import writes every row or none."""
    return await svc.run(principal, body)


@router.post("/imports/preview")
async def preview_import(
    body: schemas.ImportPreviewIn, principal: PrincipalDep, svc: ImportsDep
) -> schemas.ImportPreview:
    """Reads the file (as /imports would) and answers its columns, its number of rows and its
    first three rows; nothing is checked or written. Owners and admins."""
    return await svc.preview(principal, body)


@router.post("/imports/file")
async def import_clients_file(
    principal: PrincipalDep,
    svc: ImportsDep,
    file: Annotated[UploadFile, File(description="the CSV or XLSX file")],
    mapping: Annotated[str, Form(description="the mapping as JSON text: " + MAPPING_DESCRIPTION)],
    dry_run: Annotated[bool, Form()] = True,
    delimiter: Annotated[Literal[",", ";", "\t"] | None, Form()] = None,
) -> schemas.ImportReport:
    """The same import as /imports, for a file uploaded as multipart/form-data; the format
    is taken from the file name (.csv or .xlsx)."""
    name = (file.filename or "").lower()
    kind = "xlsx" if name.endswith(".xlsx") else "csv" if name.endswith(".csv") else None
    if kind is None:
        raise invalid_fields(
            [("file", "not a .csv or .xlsx file")], detail="upload a .csv or .xlsx file"
        )
    try:
        options = schemas.ImportOptions.model_validate(
            {
                "format": kind,
                "mapping": json.loads(mapping),
                "dry_run": dry_run,
                "delimiter": delimiter,
            }
        )
    except (ValueError, ValidationError) as exc:
        raise invalid_fields(
            [("mapping", str(exc)[:300])],
            detail="the mapping must be a JSON object of field to column header",
        ) from None
    return await svc.run_file(principal, await file.read(), options)


@router.get(
    "/export",
    response_class=Response,
    responses={
        200: {
            "description": "The clients as CSV (UTF-8 with a byte order mark), one row each.",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def export_clients(
    principal: PrincipalDep,
    svc: ImportsDep,
    q: Q = None,
    status_: StatusParam = None,
    branch_id: uuid.UUID | None = None,
    tag_ids: TagParam = None,
    tag_mode: TagMode = "any",
    group_id: uuid.UUID | None = None,
    balance: Balance | None = None,
) -> Response:
    body = await svc.export(
        principal,
        q=q,
        statuses=list(status_ or []),
        branch_id=branch_id,
        tag_ids=list(tag_ids or []),
        all_tags=tag_mode == "all",
        group_id=group_id,
        balance=balance,
    )
    return Response(
        content=body.encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="clients.csv"'},
    )
