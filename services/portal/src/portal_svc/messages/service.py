"""The inbox that notifications fills (notifications.message_sent): read, unread, all read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from crm_platform.errors import NotFoundError
from portal_svc.access import Scope
from portal_svc.context import Context
from portal_svc.messages import schemas
from portal_svc.messages.repository import MessagesRepository
from portal_svc.overview import cache as overview_cache
from portal_svc.schemas_common import AsOf


@dataclass
class Messages:
    ctx: Context

    @property
    def repo(self) -> MessagesRepository:
        return MessagesRepository(self.ctx.session)

    async def inbox(self, scope: Scope) -> schemas.Inbox:
        rows = await self.repo.inbox(scope.tenant_id, scope.client_id)
        return schemas.Inbox(
            as_of=AsOf(**await self.repo.as_of(scope.tenant_id)),
            client_id=scope.client_id,
            unread=await self.repo.unread(scope.tenant_id, scope.client_id),
            items=[
                schemas.MessageRead(
                    message_id=m.message_id,
                    category=m.category,
                    channel=m.channel,
                    subject=m.subject,
                    text=m.text,
                    sent_at=m.sent_at,
                    read=read_at is not None,
                )
                for m, read_at in rows
            ],
        )

    async def _mark(self, tenant_id: uuid.UUID, ids: list[uuid.UUID]) -> None:
        if not ids:
            return
        await self.repo.mark_read(tenant_id, ids, self.ctx.now())
        await overview_cache.bump(self.ctx.session, tenant_id)  # its unread count

    async def mark_read(self, scope: Scope, message_id: uuid.UUID) -> None:
        if await self.repo.message(scope.tenant_id, scope.client_id, message_id) is None:
            raise NotFoundError("message")
        await self._mark(scope.tenant_id, [message_id])

    async def mark_all_read(self, scope: Scope) -> schemas.Marked:
        ids = await self.repo.unread_ids(scope.tenant_id, scope.client_id)
        await self._mark(scope.tenant_id, ids)
        return schemas.Marked(marked=len(ids))
