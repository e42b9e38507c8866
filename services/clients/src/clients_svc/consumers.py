"""Handlers for the events the clients context listens to. Each runs in the consumer's
transaction with the inbox row, so a redelivered event has no second effect.

- identity: the organisation's plan and time zone (plan limit, "today"), its branches (a
  branch named in a body must be one of them), its staff and where each works (a task's
  assignee must be one the caller sees).
- journal: groups and enrolments -> memberships (visibility, group filter) and history.
- billing: the balance (balance filter) and history.
- identity: a portal sign-up whose address was proven, decided against the cards.
- portal: profile change requests, kept for staff.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.cards.repository import CardsRepository
from clients_svc.context import Context
from clients_svc.domain.history import Section, uuid7_at
from clients_svc.history import events as history_events
from clients_svc.history.events import group_name, group_title
from clients_svc.models import Group, HistoryEntry, Membership, Organisation, messaging
from clients_svc.portal_signups.decide import PortalSignups
from clients_svc.profile_requests.service import ProfileRequests
from clients_svc.readmodels import ReadModels
from clients_svc.settings import Settings
from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import BalanceChanged, balance_is_newer
from crm_contracts.events.identity import (
    AccessChanged,
    BranchCreated,
    OrganisationPlanChanged,
    OrganisationRegistered,
    OrganisationUpdated,
    PortalSignupRequested,
)
from crm_contracts.events.journal import (
    EnrolmentEnded,
    EnrolmentStarted,
    GroupCreated,
    GroupUpdated,
)
from crm_contracts.events.portal import ProfileChangeRequested
from crm_contracts.plans import plan_limits
from crm_messaging import Handlers, Outbox

handlers = Handlers()
# Events a handler emits go through the same outbox as the app's (one table, one relay).
outbox = Outbox("clients", messaging)


async def _history(
    session: AsyncSession,
    envelope: EventEnvelope,
    client_id: Any,
    section: Section,
    summary: str,
    data: dict[str, Any],
) -> None:
    client = await CardsRepository(session).client_in_tenant(envelope.tenant_id, client_id)
    if client is None:
        return
    session.add(
        HistoryEntry(
            id=uuid7_at(envelope.time),
            tenant_id=envelope.tenant_id,
            client_id=client_id,
            section=section,
            kind=envelope.type,
            summary=summary[:500],
            data=data,
            actor=None,
            occurred_at=envelope.time,
        )
    )


@handlers.on(OrganisationRegistered)
async def on_organisation_registered(
    session: AsyncSession, envelope: EventEnvelope, payload: OrganisationRegistered
) -> None:
    org = await ReadModels(session).organisation(payload.organisation_id)
    if org is None:
        org = Organisation(id=payload.organisation_id, plan="free", time_zone=payload.time_zone)
        session.add(org)
        _set_plan(org, envelope, payload.plan or "free", payload.max_active_clients, known=False)
    else:
        org.time_zone = payload.time_zone
    await ReadModels(session).add_branch(payload.organisation_id, payload.first_branch_id)


@handlers.on(BranchCreated)
async def on_branch_created(
    session: AsyncSession, envelope: EventEnvelope, payload: BranchCreated
) -> None:
    await ReadModels(session).add_branch(envelope.tenant_id, payload.branch_id)


@handlers.on(AccessChanged)
async def on_access_changed(
    session: AsyncSession, envelope: EventEnvelope, payload: AccessChanged
) -> None:
    await ReadModels(session).keep_staff(envelope.tenant_id, payload, envelope.time)


@handlers.on(OrganisationUpdated)
async def on_organisation_updated(
    session: AsyncSession, envelope: EventEnvelope, payload: OrganisationUpdated
) -> None:
    org = await ReadModels(session).organisation(payload.organisation_id)
    if org is None:
        org = Organisation(id=payload.organisation_id, time_zone=payload.time_zone)
        session.add(org)
        _set_plan(org, envelope, payload.plan, None, known=False)
    else:
        org.time_zone = payload.time_zone
        if payload.plan != org.plan:  # this event carries no limits: the plan's own
            _set_plan(org, envelope, payload.plan, None, known=False)


@handlers.on(OrganisationPlanChanged)
async def on_organisation_plan_changed(
    session: AsyncSession, envelope: EventEnvelope, payload: OrganisationPlanChanged
) -> None:
    org = await ReadModels(session).organisation(payload.organisation_id)
    if org is None:
        org = Organisation(id=payload.organisation_id, time_zone="UTC")
        session.add(org)
    _set_plan(org, envelope, payload.plan, payload.max_active_clients, known=True)


def _set_plan(
    org: Organisation, envelope: EventEnvelope, plan: str, limit: int | None, *, known: bool
) -> None:
    """The plan and its limit of active clients: `known` when the event names the limit,
    else the plan's own. An older plan delivered late changes nothing."""
    if org.plan_as_of is not None and org.plan_as_of > envelope.time:
        return
    org.plan = plan
    org.max_active_clients = limit if known else plan_limits(plan).active_clients
    org.plan_as_of = envelope.time


@handlers.on(GroupCreated)
async def on_group_created(
    session: AsyncSession, envelope: EventEnvelope, payload: GroupCreated
) -> None:
    await _keep_group(session, envelope, payload.group_id, payload.branch_id, payload.name)


@handlers.on(GroupUpdated)
async def on_group_updated(
    session: AsyncSession, envelope: EventEnvelope, payload: GroupUpdated
) -> None:
    await _keep_group(session, envelope, payload.group_id, payload.branch_id, payload.name)


async def _keep_group(
    session: AsyncSession, envelope: EventEnvelope, group_id: Any, branch_id: Any, name: str
) -> None:
    repo = ReadModels(session)
    group = await repo.group(group_id)
    if group is None:
        session.add(
            Group(id=group_id, tenant_id=envelope.tenant_id, branch_id=branch_id, name=name)
        )
    elif group.tenant_id != envelope.tenant_id:
        return
    else:
        group.branch_id, group.name = branch_id, name
    # A group that moved takes its pupils along: they are reached through the new branch.
    await repo.move_group_memberships(envelope.tenant_id, group_id, branch_id)


@handlers.on(EnrolmentStarted)
async def on_enrolment_started(
    session: AsyncSession, envelope: EventEnvelope, payload: EnrolmentStarted
) -> None:
    repo = ReadModels(session)
    membership = await repo.membership(payload.enrolment_id)
    if membership is None:
        session.add(
            Membership(
                enrolment_id=payload.enrolment_id,
                tenant_id=envelope.tenant_id,
                client_id=payload.client_id,
                group_id=payload.group_id,
                branch_id=payload.branch_id,
                from_date=payload.from_date,
                until_date=payload.until_date,
            )
        )
    elif membership.tenant_id == envelope.tenant_id:
        # The end may have arrived first; keep it.
        membership.from_date = payload.from_date
        membership.until_date = membership.until_date or payload.until_date
    title = await group_title(session, payload.group_id)
    name = group_name(title)
    await _history(
        session,
        envelope,
        payload.client_id,
        "visits",
        f"Transferred to {name} from {payload.from_date}"
        if payload.transferred_from is not None
        else f"Enrolled in {name} from {payload.from_date}",
        {
            "group_id": str(payload.group_id),
            "enrolment_id": str(payload.enrolment_id),
            "group_name": title,
            "from_date": payload.from_date.isoformat(),
            "transferred": payload.transferred_from is not None,
        },
    )


@handlers.on(EnrolmentEnded)
async def on_enrolment_ended(
    session: AsyncSession, envelope: EventEnvelope, payload: EnrolmentEnded
) -> None:
    membership = await ReadModels(session).membership(payload.enrolment_id)
    if membership is None:
        session.add(
            Membership(
                enrolment_id=payload.enrolment_id,
                tenant_id=envelope.tenant_id,
                client_id=payload.client_id,
                group_id=payload.group_id,
                branch_id=payload.branch_id,
                from_date=payload.until_date,
                until_date=payload.until_date,
            )
        )
    elif membership.tenant_id == envelope.tenant_id:
        membership.until_date = payload.until_date
    title = await group_title(session, payload.group_id)
    name = group_name(title)
    await _history(
        session,
        envelope,
        payload.client_id,
        "visits",
        f"Transferred out of {name} on {payload.until_date}"
        if payload.reason == "transferred"
        else f"Left {name} on {payload.until_date}",
        {
            "group_id": str(payload.group_id),
            "enrolment_id": str(payload.enrolment_id),
            "group_name": title,
            "until_date": payload.until_date.isoformat(),
            "transferred": payload.reason == "transferred",
        },
    )


@handlers.on(BalanceChanged)
async def on_balance_changed(
    session: AsyncSession, envelope: EventEnvelope, payload: BalanceChanged
) -> None:
    client = await CardsRepository(session).client_in_tenant(envelope.tenant_id, payload.client_id)
    if client is None:
        return
    # An older balance delivered late only goes into the history.
    if balance_is_newer(
        client.balance_sequence, client.balance_as_of, payload.sequence, envelope.time
    ):
        client.balance_minor = payload.balance_minor
        client.balance_currency = payload.currency
        client.balance_as_of = envelope.time
        client.balance_sequence = payload.sequence
    await _history(
        session,
        envelope,
        payload.client_id,
        "finances",
        f"Balance is now {payload.balance_minor / 100:.2f} {payload.currency}",
        {"balance_minor": payload.balance_minor, "currency": payload.currency},
    )


@handlers.on(PortalSignupRequested)
async def on_portal_signup_requested(
    session: AsyncSession, envelope: EventEnvelope, payload: PortalSignupRequested
) -> None:
    await PortalSignups(Context(session, outbox, settings=Settings())).decide(
        envelope.tenant_id, payload
    )


history_events.register(handlers, _history)


@handlers.on(ProfileChangeRequested)
async def on_profile_change_requested(
    session: AsyncSession, envelope: EventEnvelope, payload: ProfileChangeRequested
) -> None:
    await ProfileRequests(Context(session, outbox, settings=Settings())).receive(
        envelope.tenant_id, payload
    )
