"""A card as events carry it and as staff read it (tags, current groups, the balance unless
finances are hidden from the caller)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from clients_svc.cards import schemas
from clients_svc.cards.repository import CardsRepository
from clients_svc.context import Context
from clients_svc.domain.cards import age_on
from clients_svc.models import Client
from clients_svc.tags.schemas import TagRead
from crm_contracts.events.clients import ClientState
from crm_platform.internal_auth import Principal


@dataclass
class CardViews:
    ctx: Context

    @property
    def repo(self) -> CardsRepository:
        return CardsRepository(self.ctx.session)

    async def state(self, client: Client) -> dict[str, Any]:
        """The card's whole state as events carry it."""
        tags = (await self.repo.tags_of([client.id]))[client.id]
        return ClientState(
            client_id=client.id,
            first_name=client.first_name,
            last_name=client.last_name,
            phone=client.phone,
            email=client.email,
            email_confirmed=client.email_confirmed,
            birthday=client.birthday,
            branch_id=client.branch_id,
            status=client.status,
            lead_source=client.lead_source,
            locale=client.locale,
            family_id=client.family_id,
            tag_ids=[t.id for t in tags],
        ).model_dump()

    async def reads(
        self, principal: Principal, clients: list[Client], today: date
    ) -> list[schemas.ClientRead]:
        ids = [c.id for c in clients]
        tags = await self.repo.tags_of(ids)
        groups = await self.repo.groups_of(ids, today)
        hide_money = principal.finances_hidden
        return [
            schemas.ClientRead(
                id=c.id,
                first_name=c.first_name,
                last_name=c.last_name,
                phone=c.phone,
                email=c.email,
                email_confirmed=c.email_confirmed,
                birthday=c.birthday,
                age=age_on(c.birthday, today),
                note=c.note,
                branch_id=c.branch_id,
                lead_source=c.lead_source,
                locale=c.locale,
                tags=[TagRead.model_validate(t) for t in tags[c.id]],
                custom_fields=c.custom_fields or {},
                status=c.status,
                frozen_from=c.frozen_from,
                frozen_until=c.frozen_until,
                freeze_reason=c.freeze_reason,
                archived_at=c.archived_at,
                family_id=c.family_id,
                group_ids=sorted({m.group_id for m in groups[c.id]}),
                balance_minor=None if hide_money else c.balance_minor,
                balance_currency=None if hide_money else c.balance_currency,
                version=c.version,
                created_at=c.created_at,
                updated_at=c.updated_at,
            )
            for c in clients
        ]

    async def read(self, principal: Principal, client: Client) -> schemas.ClientRead:
        return (await self.reads(principal, [client], await self.ctx.today(client.tenant_id)))[0]
