"""The journal's copies of other contexts' data, kept from their events.

Each copy is replaced by the newest state; an older event delivered late changes nothing,
and a replayed event (after a rebuild) gives the same result."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from journal_svc.models import DEFAULT_MAKEUP_DAYS, ClientCard, Organisation


def _newer(known: datetime | None, incoming: datetime) -> bool:
    if known is None:
        return True
    if known.tzinfo is None and incoming.tzinfo is not None:
        incoming = incoming.replace(tzinfo=None)
    return incoming >= known


class ReadModels:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def organisation(
        self, tenant_id: uuid.UUID, name: str, time_zone: str, currency: str
    ) -> None:
        org = await self.session.get(Organisation, tenant_id)
        if org is None:
            org = Organisation(id=tenant_id, makeup_days=DEFAULT_MAKEUP_DAYS, version=1)
            self.session.add(org)
        org.name, org.time_zone, org.currency = name, time_zone, currency
        await self.session.flush()

    async def _card(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> ClientCard | None:
        card = await self.session.get(ClientCard, client_id)
        if card is None:
            card = ClientCard(client_id=client_id, tenant_id=tenant_id)
            self.session.add(card)
        elif card.tenant_id != tenant_id:
            return None  # an id of another organisation: never mix them
        return card

    async def client_state(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, at: datetime, **fields: object
    ) -> None:
        card = await self._card(tenant_id, client_id)
        if card is None or not _newer(card.card_at, at):
            return
        for name, value in fields.items():
            setattr(card, name, value)
        card.card_at = at
        await self.session.flush()

    async def client_status(
        self, tenant_id: uuid.UUID, client_id: uuid.UUID, at: datetime, status: str
    ) -> None:
        await self.client_state(tenant_id, client_id, at, status=status)

    async def balance(
        self,
        tenant_id: uuid.UUID,
        client_id: uuid.UUID,
        at: datetime,
        balance_minor: int,
        currency: str,
    ) -> None:
        card = await self._card(tenant_id, client_id)
        if card is None or not _newer(card.balance_at, at):
            return
        card.balance_minor, card.currency, card.balance_at = balance_minor, currency, at
        await self.session.flush()
