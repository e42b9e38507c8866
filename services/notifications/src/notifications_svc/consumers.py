"""Handlers for the events the notifications context listens to: read models from identity,
clients and the journal; reasons to write from billing, identity and clients."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import (
    BalanceChanged,
    DueReminder,
    InvoiceChanged,
    InvoiceIssued,
    InvoiceState,
    PackExpiring,
    PackReminder,
    PackRunningLow,
    PaymentDueSoon,
    PaymentOverdue,
    SubscriptionRenewed,
)
from crm_contracts.events.clients import (
    ClientArchived,
    ClientRegistered,
    ClientRestored,
    ClientUpdated,
    EmailConfirmationRequestedV2,
    LeadCreated,
    MessengerBound,
)
from crm_contracts.events.identity import (
    AccessChanged,
    OrganisationRegistered,
    OrganisationUpdated,
    PasswordResetRequestedV2,
    PortalCodeIssued,
    StaffInvitedV2,
)
from crm_contracts.events.journal import (
    CommentVisible,
    EnrolmentEnded,
    EnrolmentStarted,
    MakeupExpiring,
)
from crm_messaging import Handlers
from notifications_svc.context import Context
from notifications_svc.messages.dispatch import Dispatch, Reason, Recipient
from notifications_svc.readmodels import ReadModels

handlers = Handlers()


def _dispatch(session: AsyncSession) -> Dispatch:
    # the time a message is queued at; the sender reads its own clock
    return Dispatch(Context(session))


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
        await ReadModels(session).telegram_chat(p.client_id, p.chat_id)


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


async def _due(
    session: AsyncSession, envelope: EventEnvelope, trigger: str, p: DueReminder
) -> None:
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger=trigger,
            occurrence=str(p.due_item_id),
            recipient=Recipient(client_id=p.client_id),
            variables={
                "amount_minor": p.amount_minor,
                "currency": p.currency,
                "due_on": p.due_on.isoformat(),
                "balance_minor": p.balance_minor,
            },
            source=f"invoice:{p.invoice_id}" if p.invoice_id else f"debt:{p.client_id}",
        )
    )


@handlers.on(BalanceChanged)
async def balance_changed(
    session: AsyncSession, envelope: EventEnvelope, p: BalanceChanged
) -> None:
    await ReadModels(session).balance(
        envelope.tenant_id, p.client_id, p.balance_minor, envelope.time
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


@handlers.on(PaymentDueSoon)
async def payment_due_soon(
    session: AsyncSession, envelope: EventEnvelope, p: PaymentDueSoon
) -> None:
    await _due(session, envelope, "payment_due_soon", p)


@handlers.on(PaymentOverdue)
async def payment_overdue(
    session: AsyncSession, envelope: EventEnvelope, p: PaymentOverdue
) -> None:
    await _due(session, envelope, "payment_overdue", p)


async def _pack(
    session: AsyncSession, envelope: EventEnvelope, trigger: str, p: PackReminder
) -> None:
    # billing reminds once per pack, condition and period: the period's end tells them apart
    occurrence = f"{p.pack_id}:{p.ends_on.isoformat() if p.ends_on else 'open'}"
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger=trigger,
            occurrence=occurrence,
            recipient=Recipient(client_id=p.client_id),
            variables={
                "pack": p.name,
                "ends_on": p.ends_on.isoformat() if p.ends_on else None,
                "classes_left": p.classes_left,
            },
            source=f"pack:{p.pack_id}",
        )
    )


@handlers.on(PackExpiring)
async def pack_expiring(session: AsyncSession, envelope: EventEnvelope, p: PackExpiring) -> None:
    await _pack(session, envelope, "pack_expiring", p)


@handlers.on(PackRunningLow)
async def pack_running_low(
    session: AsyncSession, envelope: EventEnvelope, p: PackRunningLow
) -> None:
    await _pack(session, envelope, "pack_running_low", p)


@handlers.on(EmailConfirmationRequestedV2)
async def email_confirmation(
    session: AsyncSession, envelope: EventEnvelope, p: EmailConfirmationRequestedV2
) -> None:
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger="email_confirmation",
            occurrence=str(envelope.id),
            recipient=Recipient(client_id=p.client_id, email=p.email, name=p.name),
            variables={"sealed_token": p.sealed_token, "expires_at": p.expires_at.isoformat()},
        )
    )


@handlers.on(StaffInvitedV2)
async def staff_invited(session: AsyncSession, envelope: EventEnvelope, p: StaffInvitedV2) -> None:
    await ReadModels(session).staff(envelope.tenant_id, p.user_id, p.email, p.name)
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger="staff_invitation",
            occurrence=str(envelope.id),
            recipient=Recipient(staff_user_id=p.user_id, email=p.email, name=p.name),
            variables={
                "sealed_token": p.sealed_token,
                "expires_at": p.expires_at.isoformat(),
                "role": p.role,
            },
        )
    )


@handlers.on(AccessChanged)
async def access_changed(session: AsyncSession, envelope: EventEnvelope, p: AccessChanged) -> None:
    await ReadModels(session).staff_access(envelope.tenant_id, p)


@handlers.on(LeadCreated)
async def lead_created(session: AsyncSession, envelope: EventEnvelope, p: LeadCreated) -> None:
    dispatch = _dispatch(session)
    for admin in await ReadModels(session).branch_admins(envelope.tenant_id, p.branch_id):
        await dispatch.enqueue(
            Reason(
                tenant_id=envelope.tenant_id,
                trigger="lead_created",
                occurrence=str(p.lead_id),
                recipient=Recipient(
                    staff_user_id=admin.user_id, email=admin.email, name=admin.name
                ),
                variables={
                    "lead_name": f"{p.first_name} {p.last_name}".strip(),
                    "lead_phone": p.phone or "",
                    "lead_email": p.email or "",
                    "lead_source": p.source or "",
                },
            )
        )


@handlers.on(PasswordResetRequestedV2)
async def password_reset(
    session: AsyncSession, envelope: EventEnvelope, p: PasswordResetRequestedV2
) -> None:
    await ReadModels(session).staff(envelope.tenant_id, p.user_id, p.email, p.name)
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger="password_reset",
            occurrence=str(envelope.id),
            recipient=Recipient(staff_user_id=p.user_id, email=p.email, name=p.name),
            variables={"sealed_token": p.sealed_token, "expires_at": p.expires_at.isoformat()},
        )
    )


@handlers.on(PortalCodeIssued)
async def portal_code(session: AsyncSession, envelope: EventEnvelope, p: PortalCodeIssued) -> None:
    # a code for a phone goes by SMS where the organisation turned SMS on
    by_email = p.channel == "email"
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger="portal_code",
            occurrence=str(envelope.id),
            recipient=Recipient(
                email=p.login if by_email else None, phone=None if by_email else p.login
            ),
            variables={
                "sealed_token": p.sealed_code,
                "expires_at": p.expires_at.isoformat(),
                "purpose": p.purpose,
            },
        )
    )


@handlers.on(MakeupExpiring)
async def makeup_expiring(
    session: AsyncSession, envelope: EventEnvelope, p: MakeupExpiring
) -> None:
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger="makeup_expiring",
            occurrence=str(p.mark_id),
            recipient=Recipient(client_id=p.client_id),
            variables={
                "lesson_date": p.lesson_date.isoformat(),
                "makeup_until": p.makeup_until.isoformat(),
            },
        )
    )


@handlers.on(CommentVisible)
async def comment_visible(
    session: AsyncSession, envelope: EventEnvelope, p: CommentVisible
) -> None:
    # once per comment: an edit or hiding and showing it again writes no second letter
    if not p.visible_to_client:
        return
    clients = (
        [p.client_id]
        if p.client_id is not None
        else await ReadModels(session).group_clients(envelope.tenant_id, p.group_id)
    )
    dispatch = _dispatch(session)
    for client_id in clients:
        await dispatch.enqueue(
            Reason(
                tenant_id=envelope.tenant_id,
                trigger="comment_visible",
                occurrence=str(p.comment_id),
                recipient=Recipient(client_id=client_id),
                variables={"comment": p.body},
            )
        )


@handlers.on(SubscriptionRenewed)
async def subscription_renewed(
    session: AsyncSession, envelope: EventEnvelope, p: SubscriptionRenewed
) -> None:
    await _dispatch(session).enqueue(
        Reason(
            tenant_id=envelope.tenant_id,
            trigger="subscription_renewed",
            occurrence=f"{p.pack_id}:{p.period_starts_on.isoformat()}",
            recipient=Recipient(client_id=p.client_id),
            variables={
                "pack": p.name,
                "period_starts_on": p.period_starts_on.isoformat(),
                "period_ends_on": p.period_ends_on.isoformat(),
                "amount_minor": p.amount_minor,
                "currency": p.currency,
                "due_on": p.due_on.isoformat() if p.due_on else None,
                "classes_issued": p.classes_issued,
            },
        )
    )
