"""Routes of the client card: search, create, read, change, statuses, tags, history,
import and export."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Response, UploadFile, status
from pydantic import ValidationError

from clients_svc import schemas
from clients_svc.api.deps import CardsDep, ImportsDep, StatusesDep, TagsDep, TasksDep
from clients_svc.domain.history import Section
from crm_platform.errors import invalid_fields
from crm_platform.internal_auth import PrincipalDep, get_principal, staff_only
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from crm_platform.preconditions import IfMatch, version_of

router = APIRouter(
    prefix="/api/v1/clients",
    tags=["clients"],
    dependencies=[Depends(get_principal), Depends(staff_only)],
)

StatusParam = Annotated[
    list[Literal["active", "frozen", "archived"]] | None,
    Query(alias="status", description="active and frozen when omitted; archived: the archive"),
]
TagParam = Annotated[list[uuid.UUID] | None, Query(alias="tag_id", max_length=20)]
TagMode = Annotated[Literal["any", "all"], Query(description="clients with any or all tags")]
Balance = Literal["negative", "zero", "positive"]
Q = Annotated[str | None, Query(max_length=200, description="name, phone or email")]


@router.get("/clients")
async def search_clients(
    principal: PrincipalDep,
    svc: CardsDep,
    q: Q = None,
    status_: StatusParam = None,
    branch_id: uuid.UUID | None = None,
    tag_ids: TagParam = None,
    tag_mode: TagMode = "any",
    group_id: uuid.UUID | None = None,
    balance: Balance | None = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.ClientRead]:
    rows, today = await svc.search(
        principal,
        q=q,
        statuses=list(status_ or []),
        branch_id=branch_id,
        tag_ids=list(tag_ids or []),
        all_tags=tag_mode == "all",
        group_id=group_id,
        balance=balance,
        cursor=cursor,
        limit=limit,
    )
    rows, next_cursor = page(rows, limit)
    return Page(items=await svc.reads(principal, rows, today), next_cursor=next_cursor)


@router.post("/clients", status_code=status.HTTP_201_CREATED)
async def create_client(
    body: schemas.ClientCreate, principal: PrincipalDep, svc: CardsDep
) -> schemas.ClientCreated:
    client, duplicates = await svc.create(principal, body)
    read = await svc.read(principal, client)
    return schemas.ClientCreated(**read.model_dump(), duplicates=duplicates)


@router.get("/clients/duplicates")
async def duplicates(
    principal: PrincipalDep,
    svc: CardsDep,
    phone: Annotated[str | None, Query(max_length=40)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
) -> schemas.Duplicates:
    """Before saving a card: which clients already have this phone or email."""
    return schemas.Duplicates(duplicates=await svc.check_duplicates(principal, phone, email))


@router.get("/clients/{client_id}")
async def get_client(
    client_id: uuid.UUID, principal: PrincipalDep, svc: CardsDep
) -> schemas.ClientRead:
    return await svc.read(principal, await svc.get(principal, client_id))


@router.patch("/clients/{client_id}")
async def update_client(
    client_id: uuid.UUID,
    body: schemas.ClientUpdate,
    principal: PrincipalDep,
    svc: CardsDep,
    if_match: IfMatch = None,
) -> schemas.ClientCreated:
    """Answers with duplicate warnings when the phone or email now matches another client."""
    client = await svc.update(principal, client_id, body, version_of(if_match))
    read = await svc.read(principal, client)
    contact_changed = {"phone", "email"} & body.model_fields_set
    duplicates = (
        await svc.duplicates(principal, client.phone, client.email, client.id)
        if contact_changed
        else []
    )
    return schemas.ClientCreated(**read.model_dump(), duplicates=duplicates)


@router.post("/clients/{client_id}/freeze")
async def freeze(
    client_id: uuid.UUID,
    body: schemas.FreezeIn,
    principal: PrincipalDep,
    svc: StatusesDep,
) -> schemas.ClientRead:
    return await svc.read(principal, await svc.freeze(principal, client_id, body))


@router.post("/clients/{client_id}/unfreeze")
async def unfreeze(
    client_id: uuid.UUID, principal: PrincipalDep, svc: StatusesDep
) -> schemas.ClientRead:
    return await svc.read(principal, await svc.unfreeze(principal, client_id))


@router.post("/clients/{client_id}/archive")
async def archive(
    client_id: uuid.UUID, principal: PrincipalDep, svc: StatusesDep
) -> schemas.ClientRead:
    return await svc.read(principal, await svc.archive(principal, client_id))


@router.post("/clients/{client_id}/restore")
async def restore(
    client_id: uuid.UUID, principal: PrincipalDep, svc: StatusesDep
) -> schemas.ClientRead:
    return await svc.read(principal, await svc.restore(principal, client_id))


@router.put("/clients/{client_id}/tags")
async def put_tags(
    client_id: uuid.UUID,
    body: schemas.ClientTagsReplace,
    principal: PrincipalDep,
    svc: TagsDep,
) -> schemas.ClientRead:
    return await svc.read(principal, await svc.put_on(principal, client_id, body))


@router.get("/clients/{client_id}/history")
async def history(
    client_id: uuid.UUID,
    principal: PrincipalDep,
    svc: TasksDep,
    section: Annotated[list[Section] | None, Query()] = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.HistoryRead]:
    """Newest first; sections: visits, finances, events, other."""
    rows = await svc.history(principal, client_id, list(section or []), cursor, limit)
    rows, next_cursor = page(rows, limit)
    return Page(
        items=[schemas.HistoryRead.model_validate(r) for r in rows], next_cursor=next_cursor
    )


@router.post("/imports")
async def import_clients(
    body: schemas.ImportIn, principal: PrincipalDep, svc: ImportsDep
) -> schemas.ImportReport:
    """A dry run reports every bad row; an import writes every row or none."""
    return await svc.run(principal, body)


@router.post("/imports/file")
async def import_clients_file(
    principal: PrincipalDep,
    svc: ImportsDep,
    file: Annotated[UploadFile, File(description="the CSV or XLSX file")],
    mapping: Annotated[
        str, Form(description="the mapping as JSON text: " + schemas.MAPPING_DESCRIPTION)
    ],
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
