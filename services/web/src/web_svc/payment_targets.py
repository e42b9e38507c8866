"""What one payment may pay for in the wizard, and the shares the wizard's form asks for.

A target is an active pack that still owes money or an open (or overdue) invoice. A pack
owes what its own invoices still owe when payments to the pack settle them (the invoices of
its sales and extensions); such invoices are shown as their pack, not twice. A subscription
that renews by itself has renewal invoices that only payments to them settle: its invoices
are listed as invoices and the pack is not.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from web_svc.i18n import Formats

MAX_TARGETS = 50  # billing takes up to 50 allocations in one payment
OPEN = ("open", "overdue")


@dataclass(frozen=True)
class Target:
    kind: str  # pack or invoice
    id: str
    name: str
    owed_minor: int
    due_on: str | None
    invoice: dict[str, Any] | None = None  # the invoice shown, for its label

    @property
    def value(self) -> str:
        return f"{self.kind}:{self.id}"

    @property
    def field(self) -> str:
        return field_of(self.value)


def _owed(invoice: Mapping[str, Any]) -> int:
    return max(0, int(invoice["amount_minor"]) - int(invoice["paid_minor"]))


def targets(
    packs: list[dict[str, Any]], invoices: list[dict[str, Any]], chosen: Collection[str] = ()
) -> list[Target]:
    """The packs that owe, then the invoices, oldest due first. What is `chosen` (named by a
    link or ticked) is listed as itself: an active pack even when it owes nothing now, a
    pack's invoice as an invoice."""
    active = {p["id"]: p for p in packs if p["active"] and not p.get("auto_renew")}
    open_invoices = [i for i in invoices if i["status"] in OPEN and _owed(i) > 0]
    by_pack: dict[str, list[dict[str, Any]]] = {}
    loose: list[dict[str, Any]] = []
    for invoice in open_invoices:
        pack_id = str(invoice.get("pack_id"))
        named = f"invoice:{invoice['id']}" in chosen
        if pack_id in active and invoice.get("period_from") and not named:
            by_pack.setdefault(pack_id, []).append(invoice)
        else:
            loose.append(invoice)
    found = []
    for pack in active.values():
        owing = by_pack.get(pack["id"], [])
        if owing or f"pack:{pack['id']}" in chosen:
            due = min((i["due_on"] for i in owing), default=None)
            owed = sum(_owed(i) for i in owing)
            found.append(Target("pack", pack["id"], pack["name"], owed, due))
    for invoice in loose:
        label = invoice["description"]
        found.append(
            Target("invoice", invoice["id"], label, _owed(invoice), invoice["due_on"], invoice)
        )
    return sorted(found, key=lambda t: (t.kind != "pack", t.due_on or "9999-12-31"))


def field_of(value: str) -> str:
    """The name of the form's field holding the share of a target (pack:<id>)."""
    return "part-" + value.replace(":", "-", 1)


def ticked_values(values: list[str]) -> list[str]:
    """The ticked targets as sent (pack:<id>, invoice:<id>), once each, in the form's order."""
    found: list[str] = []
    for value in values:
        kind, _sep, target = value.partition(":")
        if kind in ("pack", "invoice") and _is_id(target) and value not in found:
            found.append(value)
    return found


def _is_id(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


@dataclass
class Shares:
    """The ticked targets, the share typed for each target (as typed) and, for the ticked
    ones, in minor units; `bad`: the first ticked one whose share is no amount above zero."""

    ticked: list[str]
    typed: dict[str, str]
    minor: dict[str, int]
    bad: str | None


def read_shares(form: Mapping[str, Any], ticked: list[str], fmt: Formats) -> Shares:
    """The shares of the ticked targets, as the form sends them; each typed share is kept by
    its field's name, so the page shows back what was typed."""
    chosen = ticked_values(ticked)
    typed = {
        str(name)[len("part-") :].replace("-", ":", 1): str(value).strip()
        for name, value in form.items()
        if str(name).startswith("part-")
    }
    minor: dict[str, int] = {}
    bad = None
    for value in chosen:
        try:
            amount = fmt.minor_units(typed.get(value, ""))
        except (ArithmeticError, ValueError):
            amount = 0
        if amount <= 0 and bad is None:
            bad = value
        minor[value] = amount
    return Shares(chosen, typed, minor, bad)


def allocations(shares: Shares) -> list[dict[str, Any]]:
    """The API's allocations: one per ticked target, with its share."""
    out = []
    for value in shares.ticked:
        kind, _sep, target = value.partition(":")
        out.append({f"{kind}_id": target, "amount_minor": shares.minor[value]})
    return out
