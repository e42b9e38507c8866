"""Knowledge centre routes: /api/v1/portal/materials for staff; /portal/v1/knowledge for
clients; /portal/v1/files/{id} for the signed file links (no sign-in: the link is the key)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from crm_platform.errors import ProblemError, invalid_fields
from crm_platform.internal_auth import PrincipalDep, get_principal
from crm_platform.pagination import Page
from crm_platform.preconditions import IfMatch, version_of
from portal_svc.access import AccountScopeDep
from portal_svc.context import ContextDep
from portal_svc.knowledge import schemas
from portal_svc.knowledge.service import Knowledge

staff_router = APIRouter(
    prefix="/api/v1/portal", tags=["portal staff"], dependencies=[Depends(get_principal)]
)
client_router = APIRouter()


def knowledge(request: Request, ctx: ContextDep) -> Knowledge:
    state = request.app.state
    return Knowledge(ctx, state.settings, state.files)


KnowledgeDep = Annotated[Knowledge, Depends(knowledge)]
Name = Annotated[str, Query(min_length=1, max_length=200, pattern=r"^[^/\\\x00-\x1f]+$")]


@staff_router.get("/materials")
async def materials(principal: PrincipalDep, svc: KnowledgeDep) -> Page[schemas.MaterialRead]:
    return Page(items=await svc.staff_list(principal))


@staff_router.post("/materials", status_code=status.HTTP_201_CREATED)
async def create(
    body: schemas.MaterialCreate, principal: PrincipalDep, svc: KnowledgeDep
) -> schemas.MaterialRead:
    return await svc.create(principal, body)


@staff_router.patch("/materials/{material_id}")
async def update(
    material_id: uuid.UUID,
    body: schemas.MaterialUpdate,
    principal: PrincipalDep,
    svc: KnowledgeDep,
    if_match: IfMatch = None,
) -> schemas.MaterialRead:
    return await svc.update(principal, material_id, body, version_of(if_match))


@staff_router.delete("/materials/{material_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(material_id: uuid.UUID, principal: PrincipalDep, svc: KnowledgeDep) -> None:
    await svc.delete(principal, material_id)


@staff_router.post("/materials/{material_id}/files", status_code=status.HTTP_201_CREATED)
async def upload(
    material_id: uuid.UUID,
    name: Name,
    request: Request,
    principal: PrincipalDep,
    svc: KnowledgeDep,
) -> schemas.FileRead:
    """The file is the request body, its type the Content-Type header."""
    limit = svc.settings.max_file_bytes
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise ProblemError(
                413, "Content Too Large", f"files are limited to {limit // (1024 * 1024)} MB"
            )
    if not data:
        raise invalid_fields([("body", "empty")], detail="the file is empty")
    content_type = request.headers.get("content-type", "")
    return await svc.add_file(principal, material_id, name, content_type, bytes(data))


@client_router.get("/knowledge")
async def client_knowledge(scope: AccountScopeDep, svc: KnowledgeDep) -> schemas.Knowledge:
    """The knowledge-centre materials the client sees (the whole organisation's and those of
    the branches they are enrolled in), the most recently updated first (at most 200), each
    file with a signed link valid for a few minutes. `next_cursor` is always null."""
    return await svc.for_client(scope)


@client_router.get("/files/{file_id}")
async def file(
    file_id: uuid.UUID,
    svc: KnowledgeDep,
    expires: Annotated[int, Query()],
    sig: Annotated[str, Query(min_length=64, max_length=64)],
) -> Response:
    found = await svc.signed_file(file_id, expires, sig)
    safe = found.name.replace('"', "")
    return Response(
        await svc.content(found),
        media_type=found.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "Cache-Control": "private, max-age=60",
            "X-Content-Type-Options": "nosniff",
        },
    )
