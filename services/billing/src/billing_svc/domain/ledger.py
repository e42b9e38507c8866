"""Double-entry postings in two units: money (integer minor units) and classes.

Amounts are signed: positive debits, negative credits; an entry's postings sum to zero per
unit. Accounts:

- ``client:<id>``   what the client owes (debit) or has paid ahead (credit). The client's
                    balance as users see it (payments minus charges) is minus this account.
- ``revenue``       income from charges (credit); refunds debit it.
- ``cash:<method>`` money received by cash, card or transfer (debit).
- ``pack:<id>``     classes left on a pack (debit), in the class unit.
- ``classes:<why>`` the other side of class movements: issued, used, expired, refunded.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

Unit = Literal["money", "class"]
Method = Literal["cash", "card", "transfer"]
MONEY: Unit = "money"
CLASS: Unit = "class"
REVENUE = "revenue"
ISSUED = "classes:issued"
USED = "classes:used"
EXPIRED = "classes:expired"
REFUNDED = "classes:refunded"


class UnbalancedEntryError(ValueError):
    pass


def client_account(client_id: uuid.UUID) -> str:
    return f"client:{client_id}"


def pack_account(pack_id: uuid.UUID) -> str:
    return f"pack:{pack_id}"


def cash_account(method: str) -> str:
    return f"cash:{method}"


@dataclass(frozen=True, slots=True)
class Posting:
    account: str
    unit: Unit
    amount: int


def balanced(postings: Sequence[Posting]) -> list[Posting]:
    """The postings without zero amounts, checked to sum to zero per unit; at least one."""
    kept = [p for p in postings if p.amount != 0]
    totals: dict[str, int] = defaultdict(int)
    for posting in kept:
        totals[posting.unit] += posting.amount
    unbalanced = {unit: total for unit, total in totals.items() if total != 0}
    if unbalanced:
        raise UnbalancedEntryError(f"postings do not sum to zero: {unbalanced}")
    if not kept:
        raise UnbalancedEntryError("an entry needs at least one non-zero posting")
    return kept


def charge(client_id: uuid.UUID, amount_minor: int) -> list[Posting]:
    """The client owes `amount_minor` for a service: a sale or a visit at the one-time price."""
    return [
        Posting(client_account(client_id), MONEY, amount_minor),
        Posting(REVENUE, MONEY, -amount_minor),
    ]


def issue_classes(pack_id: uuid.UUID, classes: int) -> list[Posting]:
    return [Posting(pack_account(pack_id), CLASS, classes), Posting(ISSUED, CLASS, -classes)]


def sale(
    client_id: uuid.UUID, pack_id: uuid.UUID, price_minor: int, classes: int | None
) -> list[Posting]:
    """Selling a pack: the charge and the classes it carries (none for unlimited packs)."""
    postings = charge(client_id, price_minor) if price_minor else []
    if classes:
        postings += issue_classes(pack_id, classes)
    return postings


def payment(client_id: uuid.UUID, method: str, amount_minor: int) -> list[Posting]:
    return [
        Posting(cash_account(method), MONEY, amount_minor),
        Posting(client_account(client_id), MONEY, -amount_minor),
    ]


def use_classes(pack_id: uuid.UUID, classes: int = 1) -> list[Posting]:
    return [Posting(pack_account(pack_id), CLASS, -classes), Posting(USED, CLASS, classes)]


def expire_classes(pack_id: uuid.UUID, classes: int) -> list[Posting]:
    return [Posting(pack_account(pack_id), CLASS, -classes), Posting(EXPIRED, CLASS, classes)]


def transfer_classes(from_pack: uuid.UUID, to_pack: uuid.UUID, classes: int) -> list[Posting]:
    return [
        Posting(pack_account(from_pack), CLASS, -classes),
        Posting(pack_account(to_pack), CLASS, classes),
    ]


def refund(
    client_id: uuid.UUID,
    pack_id: uuid.UUID,
    amount_minor: int,
    classes: int,
    paid_out_by: str | None,
) -> list[Posting]:
    """Refunding the unused part of a pack: revenue goes back to the client's credit, the
    unused classes leave the pack, and (if paid out) the money leaves the till."""
    postings = [
        Posting(REVENUE, MONEY, amount_minor),
        Posting(client_account(client_id), MONEY, -amount_minor),
        Posting(pack_account(pack_id), CLASS, -classes),
        Posting(REFUNDED, CLASS, classes),
    ]
    if paid_out_by is not None:
        postings += [
            Posting(client_account(client_id), MONEY, amount_minor),
            Posting(cash_account(paid_out_by), MONEY, -amount_minor),
        ]
    return postings


def reversal(postings: Iterable[Posting]) -> list[Posting]:
    """The postings that cancel an entry: every amount negated."""
    return [Posting(p.account, p.unit, -p.amount) for p in postings]


def client_delta(postings: Iterable[Posting], client_id: uuid.UUID) -> int:
    """How much the entry moves the client's balance (payments minus charges)."""
    account = client_account(client_id)
    return -sum(p.amount for p in postings if p.account == account and p.unit == MONEY)


def balance_deltas(postings: Iterable[Posting]) -> dict[uuid.UUID, int]:
    """Balance change per client account touched by the postings."""
    out: dict[uuid.UUID, int] = defaultdict(int)
    for p in postings:
        if p.unit == MONEY and p.account.startswith("client:"):
            out[uuid.UUID(p.account.removeprefix("client:"))] -= p.amount
    return {k: v for k, v in out.items() if v}


def class_deltas(postings: Iterable[Posting]) -> dict[uuid.UUID, int]:
    """Change of classes left per pack touched by the postings."""
    out: dict[uuid.UUID, int] = defaultdict(int)
    for p in postings:
        if p.unit == CLASS and p.account.startswith("pack:"):
            out[uuid.UUID(p.account.removeprefix("pack:"))] += p.amount
    return {k: v for k, v in out.items() if v}


def prorated_refund(price_minor: int, classes_total: int, classes_left: int) -> int:
    """The unused part of a pack's price, rounded down to the minor unit."""
    if classes_total <= 0:
        return 0
    return price_minor * max(0, min(classes_left, classes_total)) // classes_total
