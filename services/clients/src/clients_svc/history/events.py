"""What billing and the journal tell of a client, as lines of the client's history: sales,
payments, cancellations, invoices and pack changes (class transfers, refunds, bonuses) from
billing; attendance marks from the journal. Sections as DOMAIN.md §2 names them: visits,
finances, and other service records (class accruals, refunds)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from clients_svc.domain.history import Section
from clients_svc.readmodels import ReadModels
from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import (
    EntryCancelled,
    InvoiceIssued,
    PackChanged,
    PackSold,
    PaymentRecorded,
    VisitCharged,
)
from crm_contracts.events.journal import AttendanceMarked, AttendanceUnmarked
from crm_messaging import Handlers

Record = Callable[[AsyncSession, EventEnvelope, Any, Section, str, dict[str, Any]], Awaitable[None]]

SOLD_AS = {"paid": "paid", "credit": "on credit", "none": "without payment"}
MARKED_AS = {
    "planned": "planned",
    "attended": "attended",
    "absent": "absent",
    "excused": "excused (make-up owed)",
    "makeup_attended": "make-up attended",
}
# Pack changes worth a line (a class used or returned is the attendance mark's line), and the
# section each goes to.
PACK_CHANGES: dict[str, tuple[Section, str]] = {
    "extended": ("finances", "extended"),
    "cancelled": ("finances", "cancelled"),
    "refunded": ("other", "refunded (unused part)"),
    "bonus_added": ("other", "bonus classes added"),
    "transferred_out": ("other", "classes transferred to another client"),
    "transferred_in": ("other", "classes received from another client"),
    "frozen": ("other", "frozen"),
    "unfrozen": ("other", "unfrozen"),
    "restored": ("other", "restored"),
    "validity_edited": ("other", "validity edited"),
    "expired": ("other", "expired"),
}


def money(amount_minor: int, currency: str) -> str:
    return f"{amount_minor / 100:.2f} {currency}"


async def group_title(session: AsyncSession, group_id: Any) -> str | None:
    group = await ReadModels(session).group(group_id)
    return group.name if group is not None else None


def group_name(title: str | None) -> str:
    return f"group {title}" if title is not None else "a group"


def register(handlers: Handlers, record: Record) -> None:
    """Adds these handlers to the clients context's consumer; `record` writes one line."""

    @handlers.on(PackSold)
    async def on_pack_sold(session: AsyncSession, envelope: EventEnvelope, p: PackSold) -> None:
        await record(
            session,
            envelope,
            p.client_id,
            "finances",
            f"Sold {p.name} for {money(p.price_minor, p.currency)}, {SOLD_AS[p.payment_mode]}",
            {
                "pack_id": str(p.pack_id),
                "entry_id": str(p.entry_id) if p.entry_id else None,
                "name": p.name,
                "price_minor": p.price_minor,
                "currency": p.currency,
                "payment_mode": p.payment_mode,
            },
        )

    @handlers.on(PackChanged)
    async def on_pack_changed(
        session: AsyncSession, envelope: EventEnvelope, p: PackChanged
    ) -> None:
        if p.change not in PACK_CHANGES:
            return
        section, what = PACK_CHANGES[p.change]
        classes = f" ({abs(p.classes_delta)} classes)" if p.classes_delta else ""
        data: dict[str, Any] = {
            "pack_id": str(p.pack_id),
            "change": p.change,
            "name": p.name,
            "classes_delta": p.classes_delta,
        }
        if p.other_client_id is not None:
            data["other_client_id"] = str(p.other_client_id)
        await record(session, envelope, p.client_id, section, f"{p.name}: {what}{classes}", data)

    @handlers.on(PaymentRecorded)
    async def on_payment(
        session: AsyncSession, envelope: EventEnvelope, p: PaymentRecorded
    ) -> None:
        await record(
            session,
            envelope,
            p.client_id,
            "finances",
            f"Payment of {money(p.amount_minor, p.currency)} by {p.method} on {p.paid_on}",
            {
                "entry_id": str(p.entry_id),
                "amount_minor": p.amount_minor,
                "currency": p.currency,
                "method": p.method,
                "paid_on": p.paid_on.isoformat(),
            },
        )

    @handlers.on(EntryCancelled)
    async def on_cancelled(
        session: AsyncSession, envelope: EventEnvelope, p: EntryCancelled
    ) -> None:
        if p.client_id is None:
            return
        reason = f": {p.reason}" if p.reason else ""
        await record(
            session,
            envelope,
            p.client_id,
            "finances",
            f"Cancelled the {p.kind} of {money(p.amount_minor, p.currency)}{reason}",
            {
                "entry_id": str(p.entry_id),
                "reversal_entry_id": str(p.reversal_entry_id),
                "entry_kind": p.kind,
                "amount_minor": p.amount_minor,
                "currency": p.currency,
                "reason": p.reason,
            },
        )

    @handlers.on(VisitCharged)
    async def on_visit_charged(
        session: AsyncSession, envelope: EventEnvelope, p: VisitCharged
    ) -> None:
        await record(
            session,
            envelope,
            p.client_id,
            "finances",
            f"Visit on {p.lesson_date} charged at {money(p.amount_minor, p.currency)} "
            "(no pack covered it)",
            {
                "entry_id": str(p.entry_id),
                "lesson_date": p.lesson_date.isoformat(),
                "amount_minor": p.amount_minor,
                "currency": p.currency,
            },
        )

    @handlers.on(InvoiceIssued)
    async def on_invoice(session: AsyncSession, envelope: EventEnvelope, p: InvoiceIssued) -> None:
        summary = f"Invoice for {money(p.amount_minor, p.currency)} due on {p.due_on}: "
        summary += p.description
        if p.period_from:  # a pack's invoice: its period, as dates
            until = f" {p.period_until}" if p.period_until else ""
            summary += f" ({p.period_from} \u2013{until})"
        await record(
            session,
            envelope,
            p.client_id,
            "finances",
            summary,
            {
                "invoice_id": str(p.invoice_id),
                "amount_minor": p.amount_minor,
                "currency": p.currency,
                "due_on": p.due_on.isoformat(),
                "description": p.description,
                "period_from": p.period_from.isoformat() if p.period_from else None,
                "period_until": p.period_until.isoformat() if p.period_until else None,
            },
        )

    @handlers.on(AttendanceMarked)
    async def on_marked(
        session: AsyncSession, envelope: EventEnvelope, p: AttendanceMarked
    ) -> None:
        title = await group_title(session, p.group_id)
        await record(
            session,
            envelope,
            p.client_id,
            "visits",
            f"Marked {MARKED_AS[p.status]} on {p.lesson_date} in {group_name(title)}",
            {
                "mark_id": str(p.mark_id),
                "lesson_id": str(p.lesson_id),
                "status": p.status,
                "lesson_date": p.lesson_date.isoformat(),
                "group_name": title,
            },
        )

    @handlers.on(AttendanceUnmarked)
    async def on_unmarked(
        session: AsyncSession, envelope: EventEnvelope, p: AttendanceUnmarked
    ) -> None:
        title = await group_title(session, p.group_id)
        await record(
            session,
            envelope,
            p.client_id,
            "visits",
            f"Mark ({MARKED_AS[p.previous_status]}) removed on {p.lesson_date} in "
            f"{group_name(title)}",
            {
                "mark_id": str(p.mark_id),
                "lesson_id": str(p.lesson_id),
                "previous_status": p.previous_status,
                "lesson_date": p.lesson_date.isoformat(),
                "group_name": title,
            },
        )
