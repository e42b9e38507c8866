"""The delivery log: list and filter what was sent, look at one message's history, send a
failed one again."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ColumnElement

from crm_platform.errors import NotFoundError, ProblemError
from crm_platform.internal_auth import Principal, require_role
from notifications_svc.access import visible_messages
from notifications_svc.context import Context
from notifications_svc.deliveries import schemas
from notifications_svc.messages.dispatch import wake_after_commit
from notifications_svc.messages.repository import MessagesRepository
from notifications_svc.models import Message


class DeliveryLog:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.repo = MessagesRepository(ctx.session)

    async def list(
        self,
        principal: Principal,
        *,
        client_id: uuid.UUID | None,
        trigger: str | None,
        channel: str | None,
        status: str | None,
        since: datetime | None,
        until: datetime | None,
        cursor: str | None,
        limit: int,
    ) -> list[Message]:
        filters: list[ColumnElement[bool]] = []
        if client_id is not None:
            filters.append(Message.client_id == client_id)
        if trigger is not None:
            filters.append(Message.trigger == trigger)
        if channel is not None:
            filters.append(Message.channel == channel)
        if status is not None:
            filters.append(Message.status == status)
        if since is not None:
            filters.append(Message.created_at >= since)
        if until is not None:
            filters.append(Message.created_at < until)
        return await self.repo.listed(visible_messages(principal), filters, cursor, limit)

    async def one(self, principal: Principal, message_id: uuid.UUID) -> schemas.MessageDetail:
        msg = await self.repo.visible(visible_messages(principal), message_id)
        if msg is None:
            raise NotFoundError("message")
        history = [schemas.AttemptRead.model_validate(a) for a in await self.repo.attempts(msg.id)]
        read = schemas.MessageRead.model_validate(msg)
        return schemas.MessageDetail(**read.model_dump(), history=history)

    async def resend(self, principal: Principal, message_id: uuid.UUID) -> schemas.MessageDetail:
        require_role(principal, "owner", "admin")
        msg = await self.repo.visible(visible_messages(principal), message_id)
        if msg is None:
            raise NotFoundError("message")
        if msg.status != "failed":
            raise ProblemError(
                409, "Conflict", f"only a failed message is sent again: {msg.status}"
            )
        now = self.ctx.now()
        msg.status, msg.attempts, msg.next_attempt_at, msg.updated_at = "queued", 0, now, now
        self.repo.log(msg.id, now, "queued", f"sent again by {principal.subject}")
        await self.ctx.session.flush()
        wake_after_commit(self.ctx.session)
        return await self.one(principal, message_id)
