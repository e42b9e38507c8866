"""Event types used only by these tests, in a registry of their own."""

from __future__ import annotations

import uuid

from crm_contracts.registry import EventPayload, EventRegistry

test_registry = EventRegistry()
TENANT = uuid.UUID("0190a000-0000-7000-8000-000000000001")


@test_registry.register("testing.counted", 1)
class Counted(EventPayload):
    n: int


@test_registry.register("testing.exploded", 1)
class Exploded(EventPayload):
    reason: str
