"""Leads: people who may become clients. A pipeline of statuses, and conversion into a card
that keeps the lead's history (its history lines move to the new client)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, or_

from clients_svc.access import MANAGERS, actor_of
from clients_svc.cards.access import ClientAccess
from clients_svc.cards.repository import CardsRepository
from clients_svc.cards.schemas import ClientCreate
from clients_svc.cards.service import Cards
from clients_svc.context import Context
from clients_svc.domain.phones import InvalidPhoneError, normalise_phone
from clients_svc.history.repository import HistoryRepository
from clients_svc.history.service import History
from clients_svc.leads import schemas
from clients_svc.leads.repository import LeadsRepository
from clients_svc.models import Lead
from crm_contracts.events.clients import LeadConverted, LeadCreated, LeadStatusChanged
from crm_contracts.ids import uuid7
from crm_platform.errors import NotFoundError, ProblemError, invalid
from crm_platform.internal_auth import Principal, require_role
from crm_platform.preconditions import check_version


def lead_scope(principal: Principal) -> ColumnElement[bool] | None:
    """Owners see every lead; branch staff the leads of their branches and unassigned ones."""
    if principal.all_branches:
        return None
    if principal.branch_ids:
        return or_(Lead.branch_id.in_(sorted(principal.branch_ids)), Lead.branch_id.is_(None))
    return false()


@dataclass
class Leads:
    ctx: Context

    @property
    def repo(self) -> LeadsRepository:
        return LeadsRepository(self.ctx.session)

    def _phone(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        try:
            return normalise_phone(raw, self.ctx.settings.default_phone_region)
        except InvalidPhoneError as exc:
            raise invalid("phone", str(exc)) from None

    async def search(
        self,
        principal: Principal,
        statuses: list[str],
        cursor: str | None,
        limit: int,
        *,
        branch_id: uuid.UUID | None = None,
        source: str | None = None,
    ) -> list[Lead]:
        tenant, _, _ = await ClientAccess(self.ctx).scope(principal)
        wanted = [c for c in (lead_scope(principal),) if c is not None]
        if branch_id is not None:
            wanted.append(Lead.branch_id == branch_id)
        if source is not None:
            wanted.append(Lead.source == source)
        scope = and_(*wanted) if wanted else None
        return await self.repo.leads(tenant, scope, statuses, cursor, limit)

    async def get(self, principal: Principal, lead_id: uuid.UUID) -> Lead:
        tenant, _, _ = await ClientAccess(self.ctx).scope(principal)
        lead = await self.repo.lead(tenant, lead_id)
        scope = lead_scope(principal)
        if lead is None or (scope is not None and not _in_scope(principal, lead)):
            raise NotFoundError("lead")
        return lead

    async def create(self, principal: Principal, body: schemas.LeadCreate) -> Lead:
        require_role(principal, *MANAGERS)
        tenant = principal.require_tenant()
        if body.branch_id is not None:
            await (await ClientAccess(self.ctx).visible(principal)).require(
                "branch", body.branch_id, "branch_id"
            )
        return await self.add(
            tenant,
            first_name=body.first_name,
            last_name=body.last_name,
            phone=self._phone(body.phone),
            email=body.email.lower() if body.email else None,
            source=body.source,
            note=body.note,
            branch_id=body.branch_id,
            actor=actor_of(principal),
        )

    async def add(
        self,
        tenant_id: uuid.UUID,
        *,
        first_name: str,
        last_name: str,
        phone: str | None,
        email: str | None,
        source: str | None,
        note: str | None = None,
        branch_id: uuid.UUID | None = None,
        actor: str | None = None,
    ) -> Lead:
        now = self.ctx.now()
        lead = Lead(
            id=uuid7(),
            tenant_id=tenant_id,
            first_name=first_name,
            last_name=last_name,
            phone=phone,
            email=email,
            source=source,
            note=note,
            branch_id=branch_id,
            status="new",
            version=1,
            created_at=now,
            updated_at=now,
        )
        self.ctx.session.add(lead)
        await self.ctx.session.flush()
        History(self.ctx).record(
            lead,
            "other",
            "lead.created",
            f"Lead created ({source or 'by hand'})",
            data={"source": source},
            actor=actor,
        )
        await self.ctx.emit(
            tenant_id,
            lead.id,
            LeadCreated(
                lead_id=lead.id,
                first_name=first_name,
                last_name=last_name,
                phone=phone,
                email=email,
                source=source,
                branch_id=branch_id,
            ),
        )
        return lead

    async def update(
        self,
        principal: Principal,
        lead_id: uuid.UUID,
        body: schemas.LeadUpdate,
        if_match: int | None,
    ) -> Lead:
        require_role(principal, *MANAGERS)
        lead = await self.get(principal, lead_id)
        check_version(lead.version, if_match)
        if lead.status == "won":
            raise ProblemError(409, "Conflict", "the lead became a client; change the client")
        changes = body.model_dump(exclude_unset=True)
        status = changes.pop("status", None)
        if status == "won":
            raise invalid("status", "a lead is won by converting it into a client")
        reason = changes.pop("lost_reason", None)
        if status == "lost" and not reason:
            raise invalid("lost_reason", "say why the lead was lost")
        if "phone" in changes:
            changes["phone"] = self._phone(changes["phone"])
        if changes.get("email"):
            changes["email"] = changes["email"].lower()
        for field, value in changes.items():
            setattr(lead, field, value)
        if status is not None and status != lead.status:
            lead.status = status
            lead.lost_reason = reason if status == "lost" else None
            summary = f"Lead status: {status}" + (f" ({reason})" if status == "lost" else "")
            History(self.ctx).record(
                lead,
                "other",
                "lead.status_changed",
                summary,
                data={"status": status, "lost_reason": lead.lost_reason},
                actor=actor_of(principal),
            )
            await self.ctx.emit(
                lead.tenant_id,
                lead.id,
                LeadStatusChanged(lead_id=lead.id, status=status, lost_reason=lead.lost_reason),
            )
        lead.version += 1
        lead.updated_at = self.ctx.now()
        await self.ctx.session.flush()
        return lead

    async def convert(
        self, principal: Principal, lead_id: uuid.UUID, body: schemas.LeadConvert
    ) -> uuid.UUID:
        """A new client from the lead; the lead's history lines move to the client."""
        require_role(principal, *MANAGERS)
        lead = await self.get(principal, lead_id)
        if lead.status == "won":
            raise ProblemError(409, "Conflict", "the lead is already a client")
        if lead.status == "lost":
            raise ProblemError(409, "Conflict", "a lost lead must be reopened before converting")
        card = ClientCreate(
            first_name=lead.first_name,
            last_name=lead.last_name,
            phone=lead.phone,
            email=lead.email,
            note=lead.note,
            lead_source=lead.source,
            branch_id=body.branch_id or lead.branch_id,
            birthday=body.birthday,
        )
        client, _ = await Cards(self.ctx).create(principal, card)
        await HistoryRepository(self.ctx.session).move_to(lead.tenant_id, lead.id, client.id)
        lead.status = "won"
        lead.client_id = client.id
        lead.version += 1
        lead.updated_at = self.ctx.now()
        History(self.ctx).record(
            client,
            "other",
            "lead.converted",
            "Converted from a lead",
            data={"lead_id": str(lead.id)},
            actor=actor_of(principal),
        )
        await self.ctx.session.flush()
        await self.ctx.emit(
            lead.tenant_id, lead.id, LeadConverted(lead_id=lead.id, client_id=client.id)
        )
        return client.id

    async def from_portal(self, body: schemas.PortalLeadIn) -> tuple[str, uuid.UUID]:
        """A portal sign-up: ("client", id) when the person is a known active client,
        else ("lead", id) of an open lead with that contact, created if there is none."""
        phone = self._phone(body.phone)
        email = body.email.lower() if body.email else None
        found = await CardsRepository(self.ctx.session).same_contact(
            body.organisation_id, [phone] if phone else [], [email] if email else []
        )
        active = [c for c in found if c.status != "archived"]
        if active:
            return "client", active[0].id
        existing = await self.repo.open_lead_with_contact(body.organisation_id, phone, email)
        if existing is not None:
            return "lead", existing.id
        lead = await self.add(
            body.organisation_id,
            first_name=body.first_name,
            last_name=body.last_name,
            phone=phone,
            email=email,
            source="portal sign-up",
        )
        return "lead", lead.id


def _in_scope(principal: Principal, lead: Lead) -> bool:
    if principal.all_branches:
        return True
    if not principal.branch_ids:
        return False
    return lead.branch_id is None or lead.branch_id in principal.branch_ids
