"""Every query of the clients service. Staff-facing reads take the caller's scope
(clients_svc.scope) or at least the tenant; consumers act for the tenant of their event."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.repository.cards import Balance, CardQueries, SearchFilter
from clients_svc.repository.related import RelatedQueries


class Repository(CardQueries, RelatedQueries):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


__all__ = ["Balance", "Repository", "SearchFilter"]
