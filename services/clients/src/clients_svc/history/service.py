"""A client's history: the lines use cases record, and the list staff read (newest first)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from clients_svc.cards.access import ClientAccess
from clients_svc.context import Context
from clients_svc.domain.history import SECTIONS, HistoryKind, Section, uuid7_at
from clients_svc.history.repository import HistoryRepository
from clients_svc.models import Client, HistoryEntry, Lead
from crm_contracts.ids import uuid7
from crm_platform.internal_auth import Principal


@dataclass
class History:
    ctx: Context

    def record(
        self,
        client: Client | Lead,
        section: Section,
        kind: HistoryKind,
        summary: str,
        *,
        data: dict[str, Any] | None = None,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> None:
        moment = at or self.ctx.now()
        self.ctx.session.add(
            HistoryEntry(
                id=uuid7() if at is None else uuid7_at(moment),
                tenant_id=client.tenant_id,
                client_id=client.id,
                section=section,
                kind=kind,
                summary=summary[:500],
                data=data or {},
                actor=actor,
                occurred_at=moment,
            )
        )

    async def entries(
        self,
        principal: Principal,
        client_id: uuid.UUID,
        sections: list[str],
        cursor: str | None,
        limit: int,
    ) -> list[HistoryEntry]:
        client = await ClientAccess(self.ctx).visible_client(principal, client_id)
        wanted = [s for s in (sections or SECTIONS) if s in SECTIONS]
        if principal.finances_hidden:
            wanted = [s for s in wanted if s != "finances"]
        return await HistoryRepository(self.ctx.session).history(
            client.tenant_id, client.id, wanted, cursor, limit
        )
