"""The Telegram webhook (its secret token checked on every call) and the /start links staff
hand to a client."""

from __future__ import annotations

import hmac
import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel

from crm_platform.errors import NotFoundError, ProblemError
from crm_platform.internal_auth import PrincipalDep, require_role
from notifications_svc.access import sees_client
from notifications_svc.deps import ContextDep
from notifications_svc.readmodels import ReadModels
from notifications_svc.telegram import links

router = APIRouter()
SECRET_HEADER = "x-telegram-bot-api-secret-token"


class TelegramLinkRead(BaseModel):
    url: str
    expires_at: datetime


@router.post("/telegram/webhook")
async def telegram_webhook(request: Request, principal: PrincipalDep) -> dict[str, bool]:
    settings = request.app.state.settings
    bot = request.app.state.telegram_bot
    expected = settings.telegram_webhook_secret
    if bot is None or not expected:
        raise NotFoundError("webhook")
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ProblemError(401, "Unauthorized", "missing or wrong secret token")
    try:
        update: Any = await request.json()
    except ValueError:
        update = None
    if not isinstance(update, dict):
        raise ProblemError(422, "Unprocessable Content", "the body must be a Telegram update")
    await bot.handle(update)
    return {"ok": True}


@router.post("/clients/{client_id}/telegram-link", status_code=201)
async def telegram_link(
    client_id: uuid.UUID, request: Request, principal: PrincipalDep, ctx: ContextDep
) -> TelegramLinkRead:
    """A single-use, expiring t.me link that connects the client's Telegram chat."""
    require_role(principal, "owner", "admin", "teacher")
    settings = request.app.state.settings
    models = ReadModels(ctx.session)
    client = await models.find_client(client_id)
    groups = await models.groups_of(client_id)
    if client is None or not sees_client(principal, client, groups):
        raise NotFoundError("client")
    if request.app.state.telegram_bot is None:
        raise ProblemError(409, "Conflict", "Telegram is not configured for this system")
    expires = ctx.now() + links.ttl(settings.telegram_link_ttl_hours)
    token = await links.new_link(ctx.session, client.tenant_id, client.id, expires)
    return TelegramLinkRead(
        url=f"https://t.me/{settings.telegram_bot_username}?start={token}", expires_at=expires
    )
