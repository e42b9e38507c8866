"""What every use case shares: the session, the caller's scope, events, history, reads.
Use cases flush, never commit: the request or the consumer commits at the edge."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import ColumnElement, text
from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc import schemas
from clients_svc.domain.cards import age_on
from clients_svc.domain.history import Section, uuid7_at
from clients_svc.models import Client, HistoryEntry, Lead
from clients_svc.repository import Repository
from clients_svc.scope import visible_clients
from clients_svc.settings import Settings
from crm_contracts.events.clients import ClientState
from crm_contracts.ids import uuid7
from crm_contracts.plans import plan_limits
from crm_contracts.registry import EventPayload
from crm_messaging import Outbox
from crm_platform.errors import NotFoundError, ProblemError
from crm_platform.internal_auth import Principal
from crm_platform.scope import Place, Scope, Visibility

WRITERS = ("owner", "admin", "teacher")
MANAGERS = ("owner", "admin")


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def new_token() -> str:
    """A long random token (256 bits), URL-safe."""
    return secrets.token_urlsafe(32)


def actor_of(principal: Principal) -> str | None:
    return principal.subject if principal.realm == "staff" else None


@dataclass
class UseCase:
    session: AsyncSession
    settings: Settings
    outbox: Outbox

    @property
    def repo(self) -> Repository:
        return Repository(self.session)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    async def emit(self, tenant_id: uuid.UUID, subject: uuid.UUID, payload: EventPayload) -> None:
        await self.outbox.emit(self.session, payload, tenant_id=tenant_id, subject=subject)

    async def today(self, tenant_id: uuid.UUID) -> date:
        return await self.today_at(tenant_id, self.now())

    async def today_at(self, tenant_id: uuid.UUID, now: datetime) -> date:
        """The date in the organisation's time zone (UTC until identity told us the zone)."""
        org = await self.repo.organisation(tenant_id)
        zone: tzinfo = UTC
        if org is not None:
            try:
                zone = ZoneInfo(org.time_zone)
            except (ZoneInfoNotFoundError, ValueError):
                zone = UTC
        return now.astimezone(zone).date()

    async def scope(self, principal: Principal) -> tuple[uuid.UUID, ColumnElement[bool], date]:
        if principal.realm != "staff":
            raise NotFoundError("client")
        tenant = principal.require_tenant()
        today = await self.today(tenant)
        return tenant, visible_clients(principal, tenant, today), today

    async def visible(self, principal: Principal) -> Visibility:
        """Whether the caller may act on a client or branch named in a body or filter (libs'
        one scope rule over what this service knows of each)."""
        today = await self.today(Scope.of(principal).tenant_id)

        async def client(tenant_id: uuid.UUID, client_id: uuid.UUID) -> Place | None:
            found = await self.repo.client_in_tenant(tenant_id, client_id)
            if found is None:
                return None
            groups = (await self.repo.groups_of([client_id], today))[client_id]
            branches = [found.branch_id, *(m.branch_id for m in groups)]
            return Place.of(tenant_id, branches, (m.group_id for m in groups))

        async def branch(tenant_id: uuid.UUID, branch_id: uuid.UUID) -> Place | None:
            found = await self.repo.branch(tenant_id, branch_id)
            return None if found is None else Place.of(tenant_id, [branch_id])

        return Visibility(principal, {"client": client, "branch": branch})

    async def visible_client(
        self, principal: Principal, client_id: uuid.UUID, *, for_update: bool = False
    ) -> Client:
        """The card, if the caller may see it; 404 otherwise (another tenant's included)."""
        _, scope, _ = await self.scope(principal)
        if for_update:
            client = await self.repo.client_for_update(scope, client_id)
        else:
            client = await self.repo.client(scope, client_id)
        if client is None:
            raise NotFoundError("client")
        return client

    def record(
        self,
        client: Client | Lead,
        section: Section,
        kind: str,
        summary: str,
        *,
        data: dict[str, Any] | None = None,
        actor: str | None = None,
        at: datetime | None = None,
    ) -> None:
        moment = at or self.now()
        self.session.add(
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

    async def ensure_capacity(self, tenant_id: uuid.UUID, adding: int) -> None:
        """A plan may limit the active (not archived) clients; refuse going over. Until
        identity has told of the organisation, the free plan's limit holds."""
        org = await self.repo.organisation(tenant_id)
        plan = org.plan if org is not None else "free"
        limit = org.max_active_clients if org is not None else plan_limits(plan).active_clients
        if limit is None or adding <= 0:
            return
        if self.session.get_bind().dialect.name == "postgresql":
            # Serialise concurrent creations in one organisation so the count holds.
            await self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 0))"),
                {"k": f"clients-plan:{tenant_id}"},
            )
        active = await self.repo.count_active(tenant_id)
        if active + adding > limit:
            raise ProblemError(
                409,
                "Conflict",
                f"the {plan} plan allows {limit} active clients and this organisation has "
                f"{active}; archive a client or ask for a larger plan",
                type_="https://school-crm.example/problems/plan-limit",
            )

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
                tags=[schemas.TagRead.model_validate(t) for t in tags[c.id]],
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
        return (await self.reads(principal, [client], await self.today(client.tenant_id)))[0]
