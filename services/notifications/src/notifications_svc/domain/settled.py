"""Whether the reason for a reminder is gone by the time it would be sent."""

from __future__ import annotations


def settled_reason(
    source: str | None,
    owed_when_queued: int | None,
    invoice_status: str | None,
    balance_now: int | None,
) -> str | None:
    """Why a due reminder should no longer go: its invoice was paid or voided, or the debt
    it was about (the client owed when it was queued) has been paid off since."""
    if source is None:
        return None
    kind, _, _ = source.partition(":")
    if kind == "invoice" and invoice_status in ("paid", "void"):
        return f"already settled: the invoice is {invoice_status}"
    if (
        kind == "debt"
        and owed_when_queued is not None
        and owed_when_queued < 0
        and balance_now is not None
        and balance_now >= 0
    ):
        return "already settled: the client owes nothing now"
    return None
