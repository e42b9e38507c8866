"""Tables of the billing context only, one module per area: read models fed by other
contexts' events, the catalogue, packs, the ledger, invoices and reminders.

The ledger (entries, postings, reversals, payment allocations) is append-only: the
migration puts triggers on it that refuse UPDATE and DELETE, and revokes those privileges.
Cached figures (client balances, classes left on a pack, monthly totals) are written in the
same transaction as the postings they summarise.
"""

from billing_svc.models.base import Base
from billing_svc.models.catalogue import Service
from billing_svc.models.invoices import NO_END, DueItem, DueNotice, Invoice, PackNotice
from billing_svc.models.ledger import (
    LATE_ENTRY,
    Allocation,
    ClientBalance,
    DebtSnapshot,
    DebtSnapshotBalance,
    Entry,
    MonthlyTotal,
    PostingRow,
    Reversal,
)
from billing_svc.models.packs import MarkState, Pack, PackEvent, PackFreeze, PeriodEnd, Usage
from billing_svc.models.readmodels import Branch, Client, Group, Lesson, Organisation
from crm_messaging.tables import MessagingTables
from crm_platform.idempotency import idempotency_table

metadata = Base.metadata
messaging = MessagingTables(metadata)
idempotency = idempotency_table(metadata)

__all__ = [
    "LATE_ENTRY",
    "NO_END",
    "Allocation",
    "Base",
    "Branch",
    "Client",
    "ClientBalance",
    "DebtSnapshot",
    "DebtSnapshotBalance",
    "DueItem",
    "DueNotice",
    "Entry",
    "Group",
    "Invoice",
    "Lesson",
    "MarkState",
    "MonthlyTotal",
    "Organisation",
    "Pack",
    "PackEvent",
    "PackFreeze",
    "PackNotice",
    "PeriodEnd",
    "PostingRow",
    "Reversal",
    "Service",
    "Usage",
    "idempotency",
    "messaging",
    "metadata",
]
