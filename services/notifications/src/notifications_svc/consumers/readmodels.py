"""Read models kept from other contexts: organisations, client cards (and the welcome a
newly confirmed address earns), bound chats, enrolments, balances, invoices, staff access."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import (
    BalanceChanged,
    InvoiceChanged,
    InvoiceIssued,
    InvoiceState,
)
from crm_contracts.events.clients import (
    ClientArchived,
    ClientRegistered,
    ClientRestored,
    ClientUpdated,
    MessengerBound,
)
from crm_contracts.events.identity import (
    AccessChanged,
    OrganisationRegistered,
    OrganisationUpdated,
)
from crm_contracts.events.journal import (
    EnrolmentEnded,
    EnrolmentStarted,
)
from notifications_svc.consumers.base import dispatch_for as _dispatch
from notifications_svc.consumers.base import handlers
from notifications_svc.messages.dispatch import Reason, Recipient
from notifications_svc.readmodels import ReadModels


@handlers.on(OrganisationRegistered)
async def organisation_registered(
    session: AsyncSession, envelope: EventEnvelope, p: OrganisationRegistered
) -> None:
    await ReadModels(session).organisation(
        p.organisation_id, p.name, p.time_zone, p.locale, p.currency
    )


@handlers.on(OrganisationUpdated)
async def organisation_updated(
    session: AsyncSession, envelope: EventEnvelope, p: OrganisationUpdated
) -> None:
    await ReadModels(session).organisation(
        p.organisation_id, p.name, p.time_zone, p.locale, p.currency
    )


@handlers.on(ClientRegistered)
async def client_registered(
    session: AsyncSession, envelope: EventEnvelope, p: ClientRegistered
) -> None:
    await ReadModels(session).client(envelope.tenant_id, p, envelope.time)


@handlers.on(ClientUpdated)
async def client_updated(session: AsyncSession, envelope: EventEnvelope, p: ClientUpdated) -> None:
    # a card registered with a confirmed email was not asked to confirm it: no welcome
    if await ReadModels(session).client(envelope.tenant_id, p, envelope.time):
        await _dispatch(session).enqueue(
            Reason(
                tenant_id=envelope.tenant_id,
                trigger="client_welcome",
                occurrence=str(p.client_id),  # once per client, whatever address it confirms
                recipient=Recipient(client_id=p.client_id),
            )
        )


@handlers.on(ClientArchived)
async def client_archived(
    session: AsyncSession, envelope: EventEnvelope, p: ClientArchived
) -> None:
    await ReadModels(session).client_status(p.client_id, "archived")


@handlers.on(ClientRestored)
async def client_restored(
    session: AsyncSession, envelope: EventEnvelope, p: ClientRestored
) -> None:
    await ReadModels(session).client_status(p.client_id, "active")


@handlers.on(MessengerBound)
async def messenger_bound(
    session: AsyncSession, envelope: EventEnvelope, p: MessengerBound
) -> None:
    if p.channel == "telegram":
        await ReadModels(session).telegram_chat(p.client_id, p.chat_id, envelope.time)


@handlers.on(EnrolmentStarted)
async def enrolment_started(
    session: AsyncSession, envelope: EventEnvelope, p: EnrolmentStarted
) -> None:
    await ReadModels(session).enrolled(
        envelope.tenant_id, p.enrolment_id, p.client_id, p.group_id, p.branch_id
    )


@handlers.on(EnrolmentEnded)
async def enrolment_ended(
    session: AsyncSession, envelope: EventEnvelope, p: EnrolmentEnded
) -> None:
    await ReadModels(session).enrolment_ended(p.enrolment_id)


@handlers.on(BalanceChanged)
async def balance_changed(
    session: AsyncSession, envelope: EventEnvelope, p: BalanceChanged
) -> None:
    await ReadModels(session).balance(
        envelope.tenant_id, p.client_id, p.balance_minor, envelope.time, p.sequence
    )


async def _invoice(session: AsyncSession, envelope: EventEnvelope, p: InvoiceState) -> None:
    await ReadModels(session).invoice(envelope.tenant_id, p.invoice_id, p.status, envelope.time)


@handlers.on(InvoiceIssued)
async def invoice_issued(session: AsyncSession, envelope: EventEnvelope, p: InvoiceIssued) -> None:
    await _invoice(session, envelope, p)


@handlers.on(InvoiceChanged)
async def invoice_changed(
    session: AsyncSession, envelope: EventEnvelope, p: InvoiceChanged
) -> None:
    await _invoice(session, envelope, p)


@handlers.on(AccessChanged)
async def access_changed(session: AsyncSession, envelope: EventEnvelope, p: AccessChanged) -> None:
    await ReadModels(session).staff_access(envelope.tenant_id, p, envelope.time)
