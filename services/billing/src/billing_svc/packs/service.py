"""Selling packs and subscriptions, and a pack's life: extend, edit validity, bonus classes,
freeze, restore, refund, transfer, virtual visits. Every movement of money or classes is a
ledger entry; every change is in the pack's history and published. Flushes, never commits.

The use cases live in the modules beside this one; `Packs` gathers them:
base (reading, helpers), selling, life (validity and freezes), moves (refund, transfer,
virtual visits). period_ends (renewal and expiry) builds on life and is run by the
scheduler, not by requests.
"""

from __future__ import annotations

from billing_svc.packs.base import PackBase, is_active
from billing_svc.packs.life import Life
from billing_svc.packs.moves import Moves
from billing_svc.packs.selling import Selling
from crm_platform.errors import invalid


class Packs(Moves, Life):
    """Every use case on packs."""


__all__ = ["PackBase", "Packs", "Selling", "invalid", "is_active"]
