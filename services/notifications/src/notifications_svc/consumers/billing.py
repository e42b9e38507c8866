"""Reminders from billing: payments due soon or overdue, packs expiring or running low, a
subscription renewed with its invoice."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import (
    DueReminder,
    PackExpiring,
    PackReminder,
    PackRunningLow,
    PaymentDueSoon,
    PaymentOverdue,
    SubscriptionRenewed,
)
from notifications_svc.consumers.base import dispatch_for as _dispatch
from notifications_svc.consumers.base import handlers
from notifications_svc.messages.dispatch import Reason, Recipient


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
