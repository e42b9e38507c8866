"""The re-announce: every branch and every staff user's current access written to the outbox
again, built as the events of each change are (access_events.py), under new event ids (an
inbox drops an id it has seen).

An access event announced again carries the time of the user's last access event
(`StaffUser.access_as_of`), not the time it is written: consumers keep the newest time, so a
re-announce read just before a change and delivered after it changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from crm_messaging import Outbox
from crm_platform.clock import Clock
from identity_svc.access_events import branch_created
from identity_svc.announce.repository import AnnounceRepository
from identity_svc.domain.grants import access_changed
from identity_svc.staff.repository import StaffRepository


@dataclass(frozen=True)
class Announced:
    organisations: int
    branches: int
    staff: int


async def announce(
    session: AsyncSession, outbox: Outbox, tenant_id: uuid.UUID | None = None
) -> Announced:
    """Of one organisation, or of all; in the caller's transaction."""
    tenants = await AnnounceRepository(session).organisation_ids(tenant_id)
    branches = staff = 0
    for tenant in tenants:
        b, s = await _announce_organisation(session, outbox, tenant)
        branches, staff = branches + b, staff + s
    return Announced(len(tenants), branches, staff)


async def _announce_organisation(
    session: AsyncSession, outbox: Outbox, tenant_id: uuid.UUID
) -> tuple[int, int]:
    repo = AnnounceRepository(session)
    envelopes = [
        outbox.envelope(branch_created(b), tenant_id=tenant_id, subject=b.id)
        for b in await repo.branches(tenant_id)
    ]
    branch_count = len(envelopes)
    staff = await repo.staff(tenant_id)
    grants = await StaffRepository(session).grants([u.id for u in staff])
    for user in staff:
        envelope = outbox.envelope(
            access_changed(user, grants[user.id]), tenant_id=tenant_id, subject=user.id
        )
        as_of = user.access_as_of or user.created_at
        envelopes.append(envelope.model_copy(update={"time": as_of}))
    await outbox.add(session, envelopes)
    return branch_count, len(staff)


async def announce_pending(session: AsyncSession, outbox: Outbox, clock: Clock) -> int:
    """Runs the announcements the migrations asked for, each once; how many ran."""
    repo = AnnounceRepository(session)
    pending = await repo.pending()
    if not pending:
        return 0
    # One announcement of every organisation covers those of a single one.
    everyone = any(a.tenant_id is None for a in pending)
    tenants = [None] if everyone else sorted({a.tenant_id for a in pending}, key=str)
    for tenant_id in tenants:
        await announce(session, outbox, tenant_id)
    await repo.mark_done([a.id for a in pending], clock())
    return len(pending)
