"""One unit of work's tools: the session and the clock (notifications' events go through its
sender's outbox, not through a context, so it has no UnitOfWork)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.clock import Clock, system_clock


@dataclass
class Context:
    session: AsyncSession
    clock: Clock = system_clock

    def now(self) -> datetime:
        return self.clock()
