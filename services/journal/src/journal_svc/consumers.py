"""Handlers for the events the journal context listens to.

- identity: the organisation's time zone (for "today") and currency (for pay), its branches
  and staff with their grants (a branch or teacher named in a body must be one of them);
- clients: the card a journal row shows (name, age, contacts, archived);
- portal: make-ups booked and cancelled by clients (answered with makeup_booking_decided);
- billing: the balance and the classes left a journal row shows (packs arrive as their whole
  current state: each state replaces the copy, an older one delivered late is ignored).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import BalanceChanged, PackChanged, PackSold, PackState
from crm_contracts.events.clients import (
    ClientArchived,
    ClientRegistered,
    ClientRestored,
    ClientState,
    ClientUpdated,
    FamilyChanged,
)
from crm_contracts.events.identity import (
    AccessChanged,
    BranchCreated,
    OrganisationRegistered,
    OrganisationUpdated,
)
from crm_contracts.events.portal import MakeupCancelRequested, MakeupRequested
from crm_messaging import Handlers, Outbox
from crm_platform.clock import system_clock
from journal_svc.context import Context
from journal_svc.marks import bookings
from journal_svc.models import messaging
from journal_svc.readmodels import ReadModels

handlers = Handlers()
# Answers to the portal's commands go through the same outbox as the app's.
outbox = Outbox("journal", messaging)


@handlers.on(OrganisationRegistered)
async def organisation_registered(
    session: AsyncSession, envelope: EventEnvelope, payload: OrganisationRegistered
) -> None:
    await ReadModels(session).organisation(
        payload.organisation_id, payload.name, payload.time_zone, payload.currency
    )
    await ReadModels(session).branch(payload.organisation_id, payload.first_branch_id)


@handlers.on(BranchCreated)
async def branch_created(
    session: AsyncSession, envelope: EventEnvelope, payload: BranchCreated
) -> None:
    await ReadModels(session).branch(envelope.tenant_id, payload.branch_id)


@handlers.on(AccessChanged)
async def access_changed(
    session: AsyncSession, envelope: EventEnvelope, payload: AccessChanged
) -> None:
    await ReadModels(session).staff(
        envelope.tenant_id,
        payload.user_id,
        envelope.time,
        role=payload.role,
        status=payload.status,
        branch_ids=payload.branch_ids,
        group_ids=payload.group_ids,
        name=payload.name,
    )


@handlers.on(OrganisationUpdated)
async def organisation_updated(
    session: AsyncSession, envelope: EventEnvelope, payload: OrganisationUpdated
) -> None:
    await ReadModels(session).organisation(
        payload.organisation_id, payload.name, payload.time_zone, payload.currency
    )


async def _client_state(session: AsyncSession, envelope: EventEnvelope, card: ClientState) -> None:
    await ReadModels(session).client_state(
        envelope.tenant_id,
        card.client_id,
        envelope.time,
        first_name=card.first_name,
        last_name=card.last_name,
        phone=card.phone,
        email=card.email,
        birthday=card.birthday,
        status=card.status,
        branch_id=card.branch_id,
    )
    await ReadModels(session).family(
        envelope.tenant_id, card.family_id, envelope.time, [card.client_id], whole=False
    )


@handlers.on(ClientRegistered)
async def client_registered(
    session: AsyncSession, envelope: EventEnvelope, payload: ClientRegistered
) -> None:
    await _client_state(session, envelope, payload)


@handlers.on(ClientUpdated)
async def client_updated(
    session: AsyncSession, envelope: EventEnvelope, payload: ClientUpdated
) -> None:
    await _client_state(session, envelope, payload)


@handlers.on(FamilyChanged)
async def family_changed(
    session: AsyncSession, envelope: EventEnvelope, payload: FamilyChanged
) -> None:
    """The whole family as it is now: members not listed any more are out of it."""
    await ReadModels(session).family(
        envelope.tenant_id, payload.family_id, envelope.time, payload.member_ids, whole=True
    )


@handlers.on(ClientArchived)
async def client_archived(
    session: AsyncSession, envelope: EventEnvelope, payload: ClientArchived
) -> None:
    await ReadModels(session).client_status(
        envelope.tenant_id, payload.client_id, envelope.time, "archived"
    )


@handlers.on(ClientRestored)
async def client_restored(
    session: AsyncSession, envelope: EventEnvelope, payload: ClientRestored
) -> None:
    await ReadModels(session).client_status(
        envelope.tenant_id, payload.client_id, envelope.time, "active"
    )


@handlers.on(BalanceChanged)
async def balance_changed(
    session: AsyncSession, envelope: EventEnvelope, payload: BalanceChanged
) -> None:
    await ReadModels(session).balance(
        envelope.tenant_id,
        payload.client_id,
        envelope.time,
        payload.balance_minor,
        payload.currency,
        payload.sequence,
    )


async def _pack_state(session: AsyncSession, envelope: EventEnvelope, pack: PackState) -> None:
    await ReadModels(session).pack_state(
        envelope.tenant_id,
        pack.pack_id,
        envelope.time,
        client_id=pack.client_id,
        members=list(pack.members) if pack.shared else [],
        status=pack.status,
        classes_left=pack.classes_left,
        shared=pack.shared,
    )


@handlers.on(PackSold)
async def pack_sold(session: AsyncSession, envelope: EventEnvelope, payload: PackSold) -> None:
    await _pack_state(session, envelope, payload)


@handlers.on(PackChanged)
async def pack_changed(
    session: AsyncSession, envelope: EventEnvelope, payload: PackChanged
) -> None:
    await _pack_state(session, envelope, payload)


@handlers.on(MakeupRequested)
async def makeup_requested(
    session: AsyncSession, envelope: EventEnvelope, payload: MakeupRequested
) -> None:
    await bookings.book(Context(session, outbox, system_clock), envelope.tenant_id, payload)


@handlers.on(MakeupCancelRequested)
async def makeup_cancel_requested(
    session: AsyncSession, envelope: EventEnvelope, payload: MakeupCancelRequested
) -> None:
    await bookings.cancel(Context(session, outbox, system_clock), envelope.tenant_id, payload)
