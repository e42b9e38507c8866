"""Handlers for the events the billing context listens to.

- identity: the organisation's currency and time zone, its branches (a branch named in a
  body must be one of them).
- clients: the card's branch and family, status; a freeze freezes the client's packs
  (validity moves by the frozen days) and pauses reminders; unfreezing ends it early;
  archiving stops the client's subscriptions from renewing by themselves. A family arrives
  twice: on each member's card (client_updated) and as the whole family (family_changed,
  which also takes out whoever is no longer listed); the newest event decides, so a late
  redelivery never puts back a relative who left.
- journal: groups and lessons (programme, branch, teacher for the figures), and attendance
  marks, which use classes and give them back.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from billing_svc.context import Context
from billing_svc.models import messaging
from billing_svc.packs.consumption import Consumption, MarkChange
from billing_svc.packs.events import history
from billing_svc.packs.repository import PacksRepository
from billing_svc.packs.schemas import FreezeIn, UnfreezeIn
from billing_svc.packs.service import Packs
from billing_svc.readmodels import ReadModels
from crm_contracts.envelope import EventEnvelope
from crm_contracts.events import clients as client_events
from crm_contracts.events import identity as identity_events
from crm_contracts.events import journal as journal_events
from crm_messaging import Handlers, Outbox
from crm_platform.clock import system_clock
from crm_platform.errors import ProblemError

SERVICE = "billing"
handlers = Handlers()
outbox = Outbox(SERVICE, messaging)


def _ctx(session: AsyncSession) -> Context:
    return Context(session, outbox, system_clock)


# --- identity ---------------------------------------------------------------------------------


@handlers.on(identity_events.OrganisationRegistered)
async def on_organisation_registered(
    session: AsyncSession, envelope: EventEnvelope, payload: identity_events.OrganisationRegistered
) -> None:
    await ReadModels(session).organisation(
        payload.organisation_id, payload.currency, payload.time_zone
    )
    await ReadModels(session).add_branch(payload.organisation_id, payload.first_branch_id)


@handlers.on(identity_events.BranchCreated)
async def on_branch_created(
    session: AsyncSession, envelope: EventEnvelope, payload: identity_events.BranchCreated
) -> None:
    await ReadModels(session).add_branch(envelope.tenant_id, payload.branch_id)


@handlers.on(identity_events.OrganisationUpdated)
async def on_organisation_updated(
    session: AsyncSession, envelope: EventEnvelope, payload: identity_events.OrganisationUpdated
) -> None:
    await ReadModels(session).organisation(
        payload.organisation_id, payload.currency, payload.time_zone
    )


# --- clients ----------------------------------------------------------------------------------


async def _client_state(
    session: AsyncSession, envelope: EventEnvelope, payload: client_events.ClientState
) -> None:
    await ReadModels(session).client_state(
        envelope.tenant_id,
        payload.client_id,
        first_name=payload.first_name,
        last_name=payload.last_name,
        branch_id=payload.branch_id,
        family_id=payload.family_id,
        status=payload.status,
        at=envelope.time,
    )


@handlers.on(client_events.ClientRegistered)
async def on_client_registered(
    session: AsyncSession, envelope: EventEnvelope, payload: client_events.ClientRegistered
) -> None:
    await _client_state(session, envelope, payload)


@handlers.on(client_events.ClientUpdated)
async def on_client_updated(
    session: AsyncSession, envelope: EventEnvelope, payload: client_events.ClientUpdated
) -> None:
    await _client_state(session, envelope, payload)


@handlers.on(client_events.ClientArchived)
async def on_client_archived(
    session: AsyncSession, envelope: EventEnvelope, payload: client_events.ClientArchived
) -> None:
    """The client's subscriptions stop renewing by themselves, so that restoring the client
    later does not charge the periods in between; staff turn renewal back on if wanted."""
    client = await ReadModels(session).client(envelope.tenant_id, payload.client_id)
    client.status = "archived"
    ctx = _ctx(session)
    for pack in await PacksRepository(session).active_of_client(
        envelope.tenant_id, payload.client_id
    ):
        if pack.kind == "subscription" and pack.auto_renew:
            pack.auto_renew = False
            pack.version += 1
            await history(ctx, pack, "auto_renew_off", by="system", reason="client archived")
    await session.flush()


@handlers.on(client_events.ClientRestored)
async def on_client_restored(
    session: AsyncSession, envelope: EventEnvelope, payload: client_events.ClientRestored
) -> None:
    client = await ReadModels(session).client(envelope.tenant_id, payload.client_id)
    client.status = "active"
    await session.flush()


@handlers.on(client_events.ClientFrozen)
async def on_client_frozen(
    session: AsyncSession, envelope: EventEnvelope, payload: client_events.ClientFrozen
) -> None:
    """Freezes each of the client's packs still valid during the freeze; a pack already
    frozen on some of those days keeps its own freeze."""
    tenant = envelope.tenant_id
    client = await ReadModels(session).client(tenant, payload.client_id)
    client.status = "frozen"
    client.frozen_from, client.frozen_until = payload.from_date, payload.until_date
    ctx = _ctx(session)
    packs = Packs(ctx)
    for pack in await PacksRepository(session).active_of_client(tenant, payload.client_id):
        if pack.ends_on is not None and pack.ends_on < payload.from_date:
            continue
        try:
            await packs.life.freeze(
                None,
                payload.client_id,
                pack.id,
                FreezeIn(from_date=payload.from_date, until_date=payload.until_date),
                tenant=tenant,
                source="client",
            )
        except ProblemError:
            continue  # overlapping an existing freeze: that one stands


@handlers.on(client_events.ClientUnfrozen)
async def on_client_unfrozen(
    session: AsyncSession, envelope: EventEnvelope, payload: client_events.ClientUnfrozen
) -> None:
    tenant = envelope.tenant_id
    client = await ReadModels(session).client(tenant, payload.client_id)
    client.status = "active"
    client.frozen_from = client.frozen_until = None
    if payload.reason != "manual":
        await session.flush()
        return
    ctx = _ctx(session)
    last = (await ctx.today(tenant)) - timedelta(days=1)
    packs = Packs(ctx)
    for pack in await PacksRepository(session).active_of_client(tenant, payload.client_id):
        if not await PacksRepository(session).frozen_with_client_after(pack.id, last):
            continue
        await packs.life.unfreeze(
            None, payload.client_id, pack.id, UnfreezeIn(last_frozen_day=last), tenant=tenant
        )


@handlers.on(client_events.FamilyChanged)
async def on_family_changed(
    session: AsyncSession, envelope: EventEnvelope, payload: client_events.FamilyChanged
) -> None:
    await ReadModels(session).family(
        envelope.tenant_id, payload.family_id, payload.member_ids, envelope.time
    )


# --- journal ----------------------------------------------------------------------------------


async def on_group(
    session: AsyncSession,
    envelope: EventEnvelope,
    payload: journal_events.GroupCreated | journal_events.GroupUpdated,
) -> None:
    await ReadModels(session).group(
        envelope.tenant_id,
        payload.group_id,
        payload.branch_id,
        payload.programme,
        payload.teacher_ids,
    )


handlers.on(journal_events.GroupCreated)(on_group)
handlers.on(journal_events.GroupUpdated)(on_group)


@handlers.on(journal_events.LessonScheduled)
async def on_lesson_scheduled(
    session: AsyncSession, envelope: EventEnvelope, payload: journal_events.LessonScheduled
) -> None:
    await ReadModels(session).lesson(
        envelope.tenant_id, payload.lesson_id, payload.group_id, payload.teacher_id
    )


@handlers.on(journal_events.AttendanceMarked)
async def on_attendance_marked(
    session: AsyncSession, envelope: EventEnvelope, payload: journal_events.AttendanceMarked
) -> None:
    await ReadModels(session).client(envelope.tenant_id, payload.client_id)
    await Consumption(_ctx(session)).apply(
        MarkChange(
            tenant_id=envelope.tenant_id,
            mark_id=payload.mark_id,
            client_id=payload.client_id,
            lesson_id=payload.lesson_id,
            group_id=payload.group_id,
            branch_id=payload.branch_id,
            lesson_date=payload.lesson_date,
            status=payload.status,
            at=envelope.time,
        )
    )


@handlers.on(journal_events.AttendanceUnmarked)
async def on_attendance_unmarked(
    session: AsyncSession, envelope: EventEnvelope, payload: journal_events.AttendanceUnmarked
) -> None:
    await ReadModels(session).client(envelope.tenant_id, payload.client_id)
    await Consumption(_ctx(session)).apply(
        MarkChange(
            tenant_id=envelope.tenant_id,
            mark_id=payload.mark_id,
            client_id=payload.client_id,
            lesson_id=payload.lesson_id,
            group_id=payload.group_id,
            branch_id=payload.branch_id,
            lesson_date=payload.lesson_date,
            status=None,
            at=envelope.time,
        )
    )
