"""Selling packs and subscriptions, and a pack's life: extend, edit validity, bonus classes,
freeze, restore, refund, transfer, virtual visits. Every movement of money or classes is a
ledger entry; every change is in the pack's history and published. Flushes, never commits.

The use cases live in the modules beside this one, each holding the parts it needs (none
inherits another); `Packs` gathers them for the routes and consumers: reading (base.py),
selling, life (validity and freezes), moves (refund, transfer, virtual visits).
period_ends.py (renewal and expiry) is run by the scheduler, not by requests.
"""

from __future__ import annotations

from billing_svc.context import Context
from billing_svc.packs.base import PackReading
from billing_svc.packs.life import Life
from billing_svc.packs.moves import Moves
from billing_svc.packs.selling import Selling


class Packs:
    """Every use case on packs."""

    def __init__(self, ctx: Context) -> None:
        self.reading = PackReading(ctx)
        self.selling = Selling(ctx)
        self.life = Life(ctx)
        self.moves = Moves(ctx)
