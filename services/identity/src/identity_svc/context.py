"""One unit of work's tools: the session, the outbox, the clock, and identity's settings and
signing keys."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from crm_contracts.registry import EventPayload
from crm_messaging import Outbox
from crm_platform.db import advisory_lock
from identity_svc.settings import Settings
from identity_svc.tokens.keys import Keys

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    session: AsyncSession
    outbox: Outbox
    settings: Settings
    keys: Keys
    clock: Clock = system_clock

    def now(self) -> datetime:
        return self.clock()

    async def emit(self, tenant_id: uuid.UUID, subject: uuid.UUID, payload: EventPayload) -> None:
        await self.outbox.emit(self.session, payload, tenant_id=tenant_id, subject=subject)

    async def lock(self, key: str) -> None:
        """Serialise the writers of one key (an account's sign-ins, an organisation's plan
        counts) until the transaction ends, so concurrent ones are all counted."""
        await advisory_lock(self.session, key)
