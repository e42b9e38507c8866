"""Events published by the billing context.

billing.balance_changed is defined here first because clients filters and shows clients by
the sign of their balance; billing publishes it whenever a client's balance moves.
"""

from __future__ import annotations

import uuid

from crm_contracts.money import CurrencyCode
from crm_contracts.registry import EventPayload, registry


@registry.register("billing.balance_changed", 1)
class BalanceChanged(EventPayload):
    """The client's whole balance now, in minor units (negative: the client owes)."""

    client_id: uuid.UUID
    balance_minor: int
    currency: CurrencyCode
