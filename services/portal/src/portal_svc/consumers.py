"""Handlers for the events the portal listens to: identity's organisations and branches (a
branch is also known from a group or card naming it), clients' cards and families, billing's
balances, packs, invoices and payments, the journal's groups, lessons, enrolments, marks and
comments, notifications' messages (the inbox). Each event is logged (for a rebuild), noted
as the source's newest, then projected into the read models."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events import billing as b
from crm_contracts.events import clients as c
from crm_contracts.events import identity as i
from crm_contracts.events import journal as j
from crm_contracts.events import notifications as n
from crm_contracts.registry import EventPayload
from crm_messaging import Handlers, Outbox
from crm_platform.clock import system_clock
from portal_svc.context import Context
from portal_svc.makeups.service import decided as makeups_decided
from portal_svc.models import messaging
from portal_svc.overview import cache as overview_cache
from portal_svc.profile.service import contact_proven
from portal_svc.profile.service import decided as profile_decided
from portal_svc.readmodels import ReadModels

P = TypeVar("P", bound=EventPayload)
Projection = Callable[[ReadModels, EventEnvelope, Any], Awaitable[None]]

handlers = Handlers()
outbox = Outbox("portal", messaging)
# (type, version) -> (payload model, projection): what a rebuild replays.
projections: dict[tuple[str, int], tuple[type[EventPayload], Projection]] = {}


async def project(session: AsyncSession, envelope: EventEnvelope, payload: EventPayload) -> None:
    _, projection = projections[(envelope.type, envelope.version)]
    models = ReadModels(session)
    await models.seen(envelope.tenant_id, envelope.context, envelope.time)
    # Right after the source's row, the organisation's other row every event writes.
    await overview_cache.bump(session, envelope.tenant_id)
    await projection(models, envelope, payload)


def on(*payload_types: type[P]) -> Callable[[Projection], Projection]:
    def decorate(projection: Projection) -> Projection:
        for payload_type in payload_types:
            projections[(payload_type.event_type, payload_type.event_version)] = (
                payload_type,
                projection,
            )

            @handlers.on(payload_type)
            async def handle(session: AsyncSession, envelope: EventEnvelope, payload: Any) -> None:
                await ReadModels(session).log(envelope)
                await project(session, envelope, payload)

        return projection

    return decorate


# --- identity ---------------------------------------------------------------------------


@on(i.OrganisationRegistered, i.OrganisationUpdated)
async def organisation(rm: ReadModels, env: EventEnvelope, p: Any) -> None:
    await rm.organisation(p.organisation_id, env.time, p.name, p.currency, p.time_zone)
    if isinstance(p, i.OrganisationRegistered):
        await rm.branch(p.organisation_id, p.first_branch_id)


@on(i.BranchCreated, i.BranchUpdated)
async def branch(rm: ReadModels, env: EventEnvelope, p: Any) -> None:
    """The organisation's branches: a material published for a branch names one of them."""
    await rm.branch(env.tenant_id, p.branch_id)


# --- clients ----------------------------------------------------------------------------


@on(c.ClientRegistered, c.ClientUpdated)
async def client_card(rm: ReadModels, env: EventEnvelope, p: c.ClientState) -> None:
    if p.branch_id is not None:
        await rm.branch(env.tenant_id, p.branch_id)
    await rm.client_card(
        env.tenant_id,
        p.client_id,
        env.time,
        first_name=p.first_name,
        last_name=p.last_name,
        phone=p.phone,
        email=p.email.lower() if p.email else None,
        email_confirmed=p.email_confirmed,
        branch_id=p.branch_id,
        status=p.status,
        family_id=p.family_id,
    )


@on(c.ClientArchived)
async def client_archived(rm: ReadModels, env: EventEnvelope, p: c.ClientArchived) -> None:
    await rm.client_status(env.tenant_id, p.client_id, env.time, "archived")


@on(c.ClientRestored, c.ClientUnfrozen)
async def client_active(rm: ReadModels, env: EventEnvelope, p: Any) -> None:
    await rm.client_status(env.tenant_id, p.client_id, env.time, "active")


@on(c.ClientFrozen)
async def client_frozen(rm: ReadModels, env: EventEnvelope, p: c.ClientFrozen) -> None:
    await rm.client_status(env.tenant_id, p.client_id, env.time, "frozen")


@on(c.FamilyChanged)
async def family_changed(rm: ReadModels, env: EventEnvelope, p: c.FamilyChanged) -> None:
    await rm.family(env.tenant_id, p.family_id, env.time, p.member_ids)


# --- billing ----------------------------------------------------------------------------


@on(b.BalanceChanged)
async def balance(rm: ReadModels, env: EventEnvelope, p: b.BalanceChanged) -> None:
    await rm.balance(env.tenant_id, p.client_id, env.time, p.balance_minor, p.currency, p.sequence)


@on(b.PackSold, b.PackChanged)
async def pack(rm: ReadModels, env: EventEnvelope, p: b.PackState) -> None:
    await rm.pack(
        env.tenant_id,
        env.time,
        pack_id=p.pack_id,
        client_id=p.client_id,
        name=p.name,
        kind=p.kind,
        classes_total=p.classes_total,
        classes_left=p.classes_left,
        starts_on=p.starts_on,
        ends_on=p.ends_on,
        status=p.status,
        shared=p.shared,
        members=p.members,
    )


@on(b.InvoiceIssued, b.InvoiceChanged)
async def invoice(rm: ReadModels, env: EventEnvelope, p: b.InvoiceState) -> None:
    await rm.invoice(env.tenant_id, env.time, **p.model_dump())


@on(b.PaymentRecorded)
async def payment(rm: ReadModels, env: EventEnvelope, p: b.PaymentRecorded) -> None:
    await rm.payment(
        env.tenant_id,
        entry_id=p.entry_id,
        client_id=p.client_id,
        amount_minor=p.amount_minor,
        currency=p.currency,
        method=p.method,
        paid_on=p.paid_on,
        comment=p.comment,
    )


@on(b.EntryCancelled)
async def entry_cancelled(rm: ReadModels, env: EventEnvelope, p: b.EntryCancelled) -> None:
    await rm.entry_cancelled(env.tenant_id, p.entry_id, p.client_id)


# --- journal ----------------------------------------------------------------------------


@on(j.GroupCreated, j.GroupUpdated)
async def group(rm: ReadModels, env: EventEnvelope, p: Any) -> None:
    await rm.branch(env.tenant_id, p.branch_id)
    await rm.group(
        env.tenant_id,
        env.time,
        group_id=p.group_id,
        branch_id=p.branch_id,
        name=p.name,
        programme=p.programme,
        capacity=p.capacity,
        archived=getattr(p, "archived", False),
    )


@on(j.EnrolmentStarted)
async def enrolment_started(rm: ReadModels, env: EventEnvelope, p: j.EnrolmentStarted) -> None:
    await rm.enrolment(
        env.tenant_id,
        ended=False,
        enrolment_id=p.enrolment_id,
        group_id=p.group_id,
        branch_id=p.branch_id,
        client_id=p.client_id,
        from_date=p.from_date,
        until_date=p.until_date,
    )


@on(j.EnrolmentEnded)
async def enrolment_ended(rm: ReadModels, env: EventEnvelope, p: j.EnrolmentEnded) -> None:
    await rm.enrolment(
        env.tenant_id,
        ended=True,
        enrolment_id=p.enrolment_id,
        group_id=p.group_id,
        branch_id=p.branch_id,
        client_id=p.client_id,
        until_date=p.until_date,
    )


@on(j.LessonScheduled, j.LessonChanged)
async def lesson(rm: ReadModels, env: EventEnvelope, p: Any) -> None:
    await rm.lesson(
        env.tenant_id,
        env.time,
        lesson_id=p.lesson_id,
        group_id=p.group_id,
        branch_id=p.branch_id,
        lesson_date=p.lesson_date,
        starts_at=p.starts_at,
        duration_minutes=p.duration_minutes,
    )


@on(j.LessonCancelled)
async def lesson_cancelled(rm: ReadModels, env: EventEnvelope, p: j.LessonCancelled) -> None:
    await rm.lesson_cancelled(
        env.tenant_id, p.lesson_id, env.time, p.group_id, p.branch_id, p.lesson_date
    )


@on(j.AttendanceMarked)
async def marked(rm: ReadModels, env: EventEnvelope, p: j.AttendanceMarked) -> None:
    await rm.mark(
        env.tenant_id,
        env.time,
        mark_id=p.mark_id,
        client_id=p.client_id,
        lesson_id=p.lesson_id,
        group_id=p.group_id,
        lesson_date=p.lesson_date,
        status=p.status,
        makeup_of=p.makeup_of,
        makeup_until=p.makeup_until,
        removed=False,
    )


@on(j.AttendanceUnmarked)
async def unmarked(rm: ReadModels, env: EventEnvelope, p: j.AttendanceUnmarked) -> None:
    await rm.mark(
        env.tenant_id,
        env.time,
        mark_id=p.mark_id,
        client_id=p.client_id,
        lesson_id=p.lesson_id,
        group_id=p.group_id,
        lesson_date=p.lesson_date,
        status=p.previous_status,
        makeup_of=p.makeup_of,
        removed=True,
    )


@on(j.CommentVisible)
async def comment(rm: ReadModels, env: EventEnvelope, p: j.CommentVisible) -> None:
    await rm.comment(
        env.tenant_id,
        comment_id=p.comment_id,
        group_id=p.group_id,
        target=p.target,
        lesson_id=p.lesson_id,
        client_id=p.client_id,
        body=p.body,
        visible=p.visible_to_client,
        version=p.version,
        created_at=p.created_at,
    )


# --- notifications ----------------------------------------------------------------------


@on(n.MessageSent)
async def message_sent(rm: ReadModels, env: EventEnvelope, p: n.MessageSent) -> None:
    await rm.message(
        env.tenant_id,
        message_id=p.message_id,
        client_id=p.client_id,
        category=p.category[:64],
        channel=p.channel[:32],
        subject=p.subject[:500] if p.subject else None,
        text=p.text,
        sent_at=p.sent_at,
    )


# --- answers to the portal's own commands (not read models: not logged for a rebuild) ----


@handlers.on(j.MakeupBookingDecided)
async def makeup_booking_decided(
    session: AsyncSession, envelope: EventEnvelope, payload: j.MakeupBookingDecided
) -> None:
    await makeups_decided(Context(session, outbox, system_clock), envelope.tenant_id, payload)


@handlers.on(c.ProfileChangeDecided)
async def profile_change_decided(
    session: AsyncSession, envelope: EventEnvelope, payload: c.ProfileChangeDecided
) -> None:
    await profile_decided(Context(session, outbox, system_clock), envelope.tenant_id, payload)


@handlers.on(i.PortalContactProven)
async def portal_contact_proven(
    session: AsyncSession, envelope: EventEnvelope, payload: i.PortalContactProven
) -> None:
    await contact_proven(Context(session, outbox, system_clock), envelope.tenant_id, payload)
