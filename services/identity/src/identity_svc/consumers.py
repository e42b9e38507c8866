"""Handlers for the events the identity context listens to.

- clients: the decision on a portal sign-up (links the pending account, or leaves it unusable).
- journal: groups and their branches, so that a branch admin sees the staff of that branch.
- clients: the cards, so that operators see how many active clients an organisation has (and
  cannot set a limit below it). Each card keeps its newest state; an older event delivered
  late changes nothing.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.clients import (
    ClientArchived,
    ClientRegistered,
    ClientRestored,
    ClientUpdated,
    PortalSignupDecided,
)
from crm_contracts.events.journal import GroupCreated, GroupUpdated
from crm_messaging import Handlers
from identity_svc.portal.service import apply_decision
from identity_svc.readmodels import keep_client_card, keep_group

handlers = Handlers()


@handlers.on(PortalSignupDecided)
async def portal_signup_decided(
    session: AsyncSession, envelope: EventEnvelope, payload: PortalSignupDecided
) -> None:
    await apply_decision(session, envelope.tenant_id, payload)


async def _keep(
    session: AsyncSession, envelope: EventEnvelope, client_id: uuid.UUID, archived: bool
) -> None:
    await keep_client_card(session, envelope.tenant_id, client_id, archived, envelope.time)


@handlers.on(ClientRegistered)
async def on_client_registered(
    session: AsyncSession, envelope: EventEnvelope, payload: ClientRegistered
) -> None:
    await _keep(session, envelope, payload.client_id, payload.status == "archived")


@handlers.on(ClientUpdated)
async def on_client_updated(
    session: AsyncSession, envelope: EventEnvelope, payload: ClientUpdated
) -> None:
    await _keep(session, envelope, payload.client_id, payload.status == "archived")


@handlers.on(ClientArchived)
async def on_client_archived(
    session: AsyncSession, envelope: EventEnvelope, payload: ClientArchived
) -> None:
    await _keep(session, envelope, payload.client_id, True)


@handlers.on(ClientRestored)
async def on_client_restored(
    session: AsyncSession, envelope: EventEnvelope, payload: ClientRestored
) -> None:
    await _keep(session, envelope, payload.client_id, False)


@handlers.on(GroupCreated)
async def on_group_created(
    session: AsyncSession, envelope: EventEnvelope, payload: GroupCreated
) -> None:
    await keep_group(
        session, envelope.tenant_id, payload.group_id, payload.branch_id, envelope.time
    )


@handlers.on(GroupUpdated)
async def on_group_updated(
    session: AsyncSession, envelope: EventEnvelope, payload: GroupUpdated
) -> None:
    await keep_group(
        session, envelope.tenant_id, payload.group_id, payload.branch_id, envelope.time
    )
