"""Copies of other contexts' data, kept from their events: organisations (name, time zone,
locale, currency), client cards (name, confirmed email, phone, branch, tags, status, bound
Telegram chat), enrolments (which groups a client is in), staff addresses, and what billing
last said of balances and invoices (to re-check a reminder before sending it)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.events.billing import balance_is_newer
from crm_contracts.events.clients import ClientState
from crm_contracts.events.identity import AccessChanged
from notifications_svc.models import Balance, Client, ClientGroup, Invoice, Organisation, Staff


class ReadModels:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find_client(self, client_id: uuid.UUID) -> Client | None:
        return await self.session.get(Client, client_id)

    async def card(self, tenant_id: uuid.UUID, client_id: uuid.UUID) -> Client | None:
        """The organisation's client, archived or not."""
        found = await self.session.execute(
            select(Client).where(Client.id == client_id, Client.tenant_id == tenant_id)
        )
        return found.scalar_one_or_none()

    async def groups_of(self, client_id: uuid.UUID) -> set[uuid.UUID]:
        rows = await self.session.execute(
            select(ClientGroup.group_id).where(ClientGroup.client_id == client_id)
        )
        return set(rows.scalars())

    async def enrolments_of(self, client_id: uuid.UUID) -> list[tuple[uuid.UUID, uuid.UUID]]:
        """The client's current groups, each with its branch."""
        rows = await self.session.execute(
            select(ClientGroup.group_id, ClientGroup.branch_id).where(
                ClientGroup.client_id == client_id
            )
        )
        return [(group, branch) for group, branch in rows]

    async def bound_to(self, chat_id: str) -> list[Client]:
        """The clients not archived whose Telegram chat this is."""
        found = await self.session.execute(
            select(Client).where(Client.telegram_chat_id == chat_id, Client.status != "archived")
        )
        return list(found.scalars())

    async def organisation(
        self, org_id: uuid.UUID, name: str, time_zone: str, locale: str, currency: str
    ) -> None:
        org = await self.session.get(Organisation, org_id)
        if org is None:
            org = Organisation(id=org_id, settings={})
            self.session.add(org)
        org.name, org.time_zone, org.locale, org.currency = name, time_zone, locale, currency

    async def client(self, tenant_id: uuid.UUID, card: ClientState, as_of: datetime) -> bool:
        """Keeps the card; True when this change is the one that confirmed its email."""
        row = await self.session.get(Client, card.client_id)
        if row is None:
            row = Client(id=card.client_id, tenant_id=tenant_id)
            self.session.add(row)
        elif row.as_of >= as_of:
            return False
        had_email = row.email is not None
        row.first_name, row.last_name = card.first_name, card.last_name
        row.email = card.email if card.email and card.email_confirmed else None
        row.phone = card.phone
        row.branch_id = card.branch_id
        row.status = card.status
        row.family_id = card.family_id
        row.tag_ids = [str(t) for t in card.tag_ids]
        row.locale = card.locale
        row.as_of = as_of
        return not had_email and row.email is not None

    async def client_status(self, client_id: uuid.UUID, status: str) -> None:
        row = await self.session.get(Client, client_id)
        if row is not None:
            row.status = status

    async def telegram_chat(
        self, client_id: uuid.UUID, chat_id: str | None, at: datetime | None = None
    ) -> None:
        row = await self.session.get(Client, client_id)
        if row is not None:
            if row.telegram_chat_id != chat_id:
                row.telegram_bound_at = at if chat_id is not None else None
            row.telegram_chat_id = chat_id

    async def enrolled(
        self,
        tenant_id: uuid.UUID,
        enrolment_id: uuid.UUID,
        client_id: uuid.UUID,
        group_id: uuid.UUID,
        branch_id: uuid.UUID,
    ) -> None:
        if await self.session.get(ClientGroup, enrolment_id) is None:
            self.session.add(
                ClientGroup(
                    enrolment_id=enrolment_id,
                    tenant_id=tenant_id,
                    client_id=client_id,
                    group_id=group_id,
                    branch_id=branch_id,
                )
            )

    async def group_clients(self, tenant_id: uuid.UUID, group_id: uuid.UUID) -> list[uuid.UUID]:
        rows = await self.session.scalars(
            select(ClientGroup.client_id)
            .where(ClientGroup.tenant_id == tenant_id, ClientGroup.group_id == group_id)
            .distinct()
        )
        return list(rows)

    async def enrolment_ended(self, enrolment_id: uuid.UUID) -> None:
        await self.session.execute(
            delete(ClientGroup).where(ClientGroup.enrolment_id == enrolment_id)
        )

    async def staff(self, tenant_id: uuid.UUID, user_id: uuid.UUID, email: str, name: str) -> None:
        row = await self.session.get(Staff, user_id)
        if row is None:
            self.session.add(Staff(user_id=user_id, tenant_id=tenant_id, email=email, name=name))
        else:
            row.email, row.name = email, name

    async def staff_access(self, tenant_id: uuid.UUID, access: AccessChanged, at: datetime) -> None:
        """The access identity says the user has, unless a newer one is already here (events,
        and identity's re-announce of a state, may arrive out of order)."""
        row = await self.session.get(Staff, access.user_id, with_for_update=True)
        if row is None:
            row = Staff(user_id=access.user_id, tenant_id=tenant_id, name="")
            self.session.add(row)
        elif row.access_as_of is not None and row.access_as_of > at:
            return
        row.access_as_of = at
        row.email = access.email or row.email
        row.name = access.name or row.name
        row.role, row.status = access.role, access.status
        row.organisation_wide = access.organisation_wide
        row.branch_ids = [str(b) for b in access.branch_ids]

    async def branch_admins(self, tenant_id: uuid.UUID, branch_id: uuid.UUID | None) -> list[Staff]:
        """Active staff with an address who run `branch_id`: the owner, and the admins granted
        it (any branch when None)."""
        rows = await self.session.scalars(
            select(Staff).where(
                Staff.tenant_id == tenant_id,
                Staff.status == "active",
                Staff.email.is_not(None),
                Staff.role.in_(("owner", "admin")),
            )
        )
        return [
            s
            for s in rows
            if s.organisation_wide or branch_id is None or str(branch_id) in s.branch_ids
        ]

    async def balance(
        self,
        tenant_id: uuid.UUID,
        client_id: uuid.UUID,
        balance_minor: int,
        as_of: datetime,
        sequence: int | None,
    ) -> None:
        """Keeps the newest balance: the highest sequence billing gave it (times may be
        stamped in one order and committed in the other), by time for one without."""
        row = await self.session.get(Balance, client_id)
        if row is None:
            self.session.add(
                Balance(
                    client_id=client_id,
                    tenant_id=tenant_id,
                    balance_minor=balance_minor,
                    as_of=as_of,
                    sequence=sequence,
                )
            )
        elif balance_is_newer(row.sequence, row.as_of, sequence, as_of):
            row.balance_minor, row.as_of, row.sequence = balance_minor, as_of, sequence

    async def invoice(
        self, tenant_id: uuid.UUID, invoice_id: uuid.UUID, status: str, as_of: datetime
    ) -> None:
        row = await self.session.get(Invoice, invoice_id)
        if row is None:
            self.session.add(
                Invoice(id=invoice_id, tenant_id=tenant_id, status=status, as_of=as_of)
            )
        elif row.as_of <= as_of:
            row.status, row.as_of = status, as_of
