"""The client history: sections, and ids that sort by when a thing happened."""

from __future__ import annotations

import os
import uuid
from datetime import datetime
from typing import Literal, get_args

Section = Literal["visits", "finances", "events", "other"]
SECTIONS: tuple[Section, ...] = ("visits", "finances", "events", "other")
# Every kind of line the history holds: the card's own (recorded by the use cases) and, named
# by their event types, what billing and the journal tell. Readers that word the lines
# themselves (the web, in the page's language) word each of these; `summary` is English.
HistoryKind = Literal[
    "client.registered",
    "client.imported",
    "client.updated",
    "client.phone_changed",
    "client.email_confirmed",
    "client.tags_changed",
    "client.frozen",
    "client.freeze_started",
    "client.unfrozen",
    "client.archived",
    "client.restored",
    "lead.created",
    "lead.status_changed",
    "lead.converted",
    "link.issued",
    "link.revoked",
    "messenger.bound",
    "family.joined",
    "family.left",
    "family.payer_set",
    "task.created",
    "task.open",
    "task.done",
    "task.cancelled",
    "portal.linked",
    "profile.requested",
    "profile.approved",
    "profile.rejected",
    "journal.enrolment_started",
    "journal.enrolment_ended",
    "journal.attendance_marked",
    "journal.attendance_unmarked",
    "billing.pack_sold",
    "billing.pack_changed",
    "billing.payment_recorded",
    "billing.entry_cancelled",
    "billing.visit_charged",
    "billing.invoice_issued",
    "billing.balance_changed",
]
HISTORY_KINDS: tuple[str, ...] = get_args(HistoryKind)


def uuid7_at(moment: datetime) -> uuid.UUID:
    """A UUIDv7 for `moment` (its milliseconds, then random bits), so that history entries
    learnt late from another context still sort by when they happened."""
    ms = int(moment.timestamp() * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")
    value = ms << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)
