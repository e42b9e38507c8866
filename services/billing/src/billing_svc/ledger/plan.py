"""What a batch of ledger entries writes, worked out before writing (no I/O): the entries'
rows, their postings, and the deltas of the cached figures (balances, classes left, monthly
totals)."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, NamedTuple

from billing_svc.domain.ledger import (
    MONEY,
    REVENUE,
    Posting,
    balance_deltas,
    balanced,
    class_deltas,
)

NIL = uuid.UUID(int=0)
SHARDS = 16


@dataclass(frozen=True)
class Dimensions:
    """What a money movement is reported under."""

    branch_id: uuid.UUID | None = None
    group_id: uuid.UUID | None = None
    teacher_id: uuid.UUID | None = None
    service_id: uuid.UUID | None = None


def month_of(day: date) -> date:
    return day.replace(day=1)


NO_DIMENSIONS = Dimensions()


class TotalKey(NamedTuple):
    tenant_id: uuid.UUID
    month: date
    measure: str
    dim: str
    dim_id: uuid.UUID


@dataclass(frozen=True)
class NewEntry:
    """An entry to write, with its postings and what it is reported under."""

    id: uuid.UUID
    tenant_id: uuid.UUID
    kind: str
    postings: Sequence[Posting]
    booked_on: date
    by: str
    client_id: uuid.UUID | None = None
    other_client_id: uuid.UUID | None = None
    pack_id: uuid.UUID | None = None
    dims: Dimensions = NO_DIMENSIONS
    method: str | None = None
    amount_minor: int = 0
    classes: int = 0
    comment: str | None = None
    reverses_id: uuid.UUID | None = None
    # A reversal leaves the figures of the month (and dimensions) of the entry it cancels.
    report_month: date | None = None
    report_dims: Dimensions | None = None

    def row(self, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "tenant_id": self.tenant_id,
            "kind": self.kind,
            "client_id": self.client_id,
            "other_client_id": self.other_client_id,
            "pack_id": self.pack_id,
            "service_id": self.dims.service_id,
            "branch_id": self.dims.branch_id,
            "group_id": self.dims.group_id,
            "teacher_id": self.dims.teacher_id,
            "method": self.method,
            "amount_minor": self.amount_minor,
            "classes": self.classes,
            "booked_on": self.booked_on,
            "comment": self.comment,
            "reverses_id": self.reverses_id,
            "created_by": self.by,
            "created_at": now,
        }


def _measures(postings: Sequence[Posting]) -> dict[str, int]:
    """Revenue (charges less refunds) and money received, as the monthly figures count them."""
    return {
        "revenue": -sum(p.amount for p in postings if p.unit == MONEY and p.account == REVENUE),
        "received": sum(
            p.amount for p in postings if p.unit == MONEY and p.account.startswith("cash:")
        ),
    }


@dataclass(frozen=True)
class LedgerWrite:
    """The rows a batch of entries writes: entries, postings, and the deltas of the cached
    figures, one per key however many entries share it, keys sorted (rows locked in one
    order by every writer)."""

    entries: list[dict[str, Any]]
    postings: list[dict[str, Any]]
    classes: list[tuple[tuple[uuid.UUID, uuid.UUID], int]]
    balances: list[tuple[uuid.UUID, uuid.UUID, int]]
    totals: list[dict[str, Any]]

    @classmethod
    def of(cls, entries: Sequence[NewEntry], now: datetime) -> LedgerWrite:
        kept = [balanced(e.postings) for e in entries]
        classes: dict[tuple[uuid.UUID, uuid.UUID], int] = defaultdict(int)
        moved: dict[tuple[uuid.UUID, uuid.UUID], int] = defaultdict(int)
        for e, postings in zip(entries, kept, strict=True):
            for pack, delta in class_deltas(postings).items():
                classes[(e.tenant_id, pack)] += delta
            for client, delta in balance_deltas(postings).items():
                moved[(e.tenant_id, client)] += delta
        return cls(
            entries=[e.row(now) for e in entries],
            postings=[
                {
                    "entry_id": e.id,
                    "tenant_id": e.tenant_id,
                    "account": p.account,
                    "unit": p.unit,
                    "amount": p.amount,
                }
                for e, postings in zip(entries, kept, strict=True)
                for p in postings
            ],
            classes=[(key, delta) for key, delta in sorted(classes.items()) if delta],
            balances=[(t, c, delta) for (t, c), delta in sorted(moved.items()) if delta],
            totals=_totals(entries, kept, shard=entries[0].id.int % SHARDS) if entries else [],
        )


def _totals(
    entries: Sequence[NewEntry], postings: Sequence[Sequence[Posting]], *, shard: int
) -> list[dict[str, Any]]:
    """What the entries add to the cached monthly figures. A reversal counts against the
    month and dimensions of the entry it cancels (the caller gives those)."""
    # Keyed by the entries' (tenant, month, dimensions) first: hashing UUIDs is dear, and
    # the entries of a batch mostly share them.
    grouped: dict[tuple[uuid.UUID, date, Dimensions], list[int]] = {}
    for entry, kept in zip(entries, postings, strict=True):
        measures = _measures(kept)
        if not any(measures.values()):
            continue
        month = entry.report_month or month_of(entry.booked_on)
        dims = entry.report_dims or entry.dims
        sums = grouped.setdefault((entry.tenant_id, month, dims), [0, 0, 0, 0])
        step = 1 if entry.reverses_id is None else -1
        for n, amount in enumerate((measures["revenue"], measures["received"])):
            if amount:
                sums[2 * n] += amount
                sums[2 * n + 1] += step
    amounts: dict[TotalKey, int] = defaultdict(int)
    counts: dict[TotalKey, int] = defaultdict(int)
    for (tenant_id, month, dims), sums in grouped.items():
        for n, measure in enumerate(("revenue", "received")):
            amount, count = sums[2 * n], sums[2 * n + 1]
            if amount == 0 and count == 0:
                continue
            for dim, value in (
                ("all", None),
                ("branch", dims.branch_id),
                ("group", dims.group_id),
                ("teacher", dims.teacher_id),
                ("service", dims.service_id),
            ):
                key = TotalKey(tenant_id, month, measure, dim, value or NIL)
                amounts[key] += amount
                counts[key] += count
    return [
        key._asdict() | {"shard": shard, "amount_minor": amount, "count": counts[key]}
        for key, amount in sorted(amounts.items())
    ]


class Balance(NamedTuple):
    """A client's balance as a write left it, with the balance row's count of changes."""

    minor: int
    sequence: int


Balances = dict[tuple[uuid.UUID, uuid.UUID], Balance]
