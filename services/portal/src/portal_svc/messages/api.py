"""GET /portal/v1/messages, POST /portal/v1/messages/{id}/read and /messages/read-all."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from portal_svc.access import AccountScopeDep
from portal_svc.context import ContextDep
from portal_svc.messages import schemas
from portal_svc.messages.service import Messages

router = APIRouter()


@router.get("/messages")
async def inbox(scope: AccountScopeDep, ctx: ContextDep) -> schemas.Inbox:
    return await Messages(ctx).inbox(scope)


@router.post("/messages/read-all")
async def read_all(scope: AccountScopeDep, ctx: ContextDep) -> schemas.Marked:
    return await Messages(ctx).mark_all_read(scope)


@router.post("/messages/{message_id}/read", status_code=status.HTTP_204_NO_CONTENT)
async def read(message_id: uuid.UUID, scope: AccountScopeDep, ctx: ContextDep) -> None:
    await Messages(ctx).mark_read(scope, message_id)
