"""One unit of work's tools: the session and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    session: AsyncSession
    clock: Clock = system_clock

    def now(self) -> datetime:
        return self.clock()
