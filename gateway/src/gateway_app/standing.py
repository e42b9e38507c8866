"""Which organisations operators have suspended, and why: learnt from
identity.organisation_plan_changed (newest wins) and asked of identity for an organisation
not seen yet, again after `fetched_ttl` seconds in case an event was missed."""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_contracts.envelope import EventEnvelope

EVENT_TYPE = "identity.organisation_plan_changed"
Fetch = Callable[[str, str], Awaitable[dict[str, Any] | None]]


@dataclass(frozen=True)
class Standing:
    suspended_reason: str | None  # None: active
    as_of: datetime | None = None


class Standings:
    def __init__(self, fetch: Fetch, fetched_ttl: float = 300.0) -> None:
        self._fetch = fetch
        self._ttl = fetched_ttl
        self._known: dict[uuid.UUID, Standing] = {}
        self._fetched_at: dict[uuid.UUID, float] = {}

    async def suspended_reason(self, tenant_id: uuid.UUID) -> str | None:
        """Why the organisation is suspended, or None when it is not."""
        known = self._known.get(tenant_id)
        fetched = self._fetched_at.get(tenant_id)
        if known is not None and (fetched is None or time.monotonic() - fetched < self._ttl):
            return known.suspended_reason
        data = await self._fetch(
            "identity", f"/internal/v1/identity/access/organisations/{tenant_id}"
        )
        current = self._known.get(tenant_id)
        if current is not None and current.as_of is not None:
            return current.suspended_reason  # an event arrived while we asked
        standing = Standing(_reason(data) if data is not None else None)
        self._known[tenant_id] = standing
        self._fetched_at[tenant_id] = time.monotonic()
        return standing.suspended_reason

    def forget_all(self) -> None:
        self._known.clear()
        self._fetched_at.clear()

    def apply(self, envelope: EventEnvelope) -> None:
        tenant = envelope.tenant_id
        current = self._known.get(tenant)
        if current is not None and current.as_of is not None and current.as_of > envelope.time:
            return  # an older standing delivered late
        self._known[tenant] = Standing(_reason(envelope.data), envelope.time)
        self._fetched_at.pop(tenant, None)


def _reason(data: dict[str, Any]) -> str | None:
    if data.get("status") != "suspended":
        return None
    return str(data.get("suspended_reason") or "no reason given")
