"""Handlers for the events the identity context listens to.

- clients: the decision on a portal sign-up (links the pending account, or leaves it unusable).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.clients import PortalSignupDecided
from crm_messaging import Handlers
from identity_svc.portal import apply_decision

handlers = Handlers()


@handlers.on(PortalSignupDecided)
async def portal_signup_decided(
    session: AsyncSession, envelope: EventEnvelope, payload: PortalSignupDecided
) -> None:
    await apply_decision(session, envelope.tenant_id, payload)
