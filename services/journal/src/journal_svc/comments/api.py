"""Routes of comments."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from crm_platform.internal_auth import PrincipalDep
from crm_platform.pagination import CursorParam, LimitParam, Page, page
from crm_platform.preconditions import IfMatch, version_of
from journal_svc.comments import schemas
from journal_svc.comments.service import Comments
from journal_svc.deps import ContextDep

router = APIRouter()


@router.get("/comments")
async def comments(
    principal: PrincipalDep,
    ctx: ContextDep,
    group_id: uuid.UUID | None = None,
    lesson_id: uuid.UUID | None = None,
    client_id: uuid.UUID | None = None,
    kind: schemas.Kind | None = None,
    resolved: bool | None = None,
    limit: LimitParam = 50,
    cursor: CursorParam = None,
) -> Page[schemas.CommentRead]:
    rows = await Comments(ctx).find(
        principal,
        group_id=group_id,
        lesson_id=lesson_id,
        client_id=client_id,
        kind=kind,
        resolved=resolved,
        cursor=cursor,
        limit=limit,
    )
    items, next_cursor = page(list(rows), limit)
    return Page(
        items=[schemas.CommentRead.model_validate(c) for c in items], next_cursor=next_cursor
    )


@router.post("/comments", status_code=status.HTTP_201_CREATED)
async def create_comment(
    body: schemas.CommentCreate, principal: PrincipalDep, ctx: ContextDep
) -> schemas.CommentRead:
    return schemas.CommentRead.model_validate(await Comments(ctx).create(principal, body))


@router.patch("/comments/{comment_id}")
async def update_comment(
    comment_id: uuid.UUID,
    body: schemas.CommentUpdate,
    principal: PrincipalDep,
    ctx: ContextDep,
    if_match: IfMatch = None,
) -> schemas.CommentRead:
    comment = await Comments(ctx).update(principal, comment_id, body, version_of(if_match))
    return schemas.CommentRead.model_validate(comment)
