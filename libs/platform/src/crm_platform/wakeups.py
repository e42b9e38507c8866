"""Wake-on-commit: background loops of this process (an outbox relay, a periodic job) are
woken when a transaction that gave them work commits, not only on their next tick.

A loop registers an `asyncio.Event` under a channel name; a unit of work that gave it work
calls `wake_on_commit(session, channel)`, and the channel's events are set once that
transaction commits (a rollback forgets it).
"""

from __future__ import annotations

import asyncio

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

_WAKE = "crm_wake_on_commit"  # session.info: channels to wake when this transaction commits


class LocalWakeups:
    """This process's waiters, by channel."""

    def __init__(self) -> None:
        self._events: dict[str, set[asyncio.Event]] = {}

    def register(self, channel: str, waiter: asyncio.Event) -> None:
        self._events.setdefault(channel, set()).add(waiter)

    def unregister(self, channel: str, waiter: asyncio.Event) -> None:
        self._events.get(channel, set()).discard(waiter)

    def wake(self, channel: str) -> None:
        for waiter in self._events.get(channel, ()):
            waiter.set()


wakeups = LocalWakeups()


def wake_on_commit(session: AsyncSession, channel: str) -> None:
    """Wakes the channel's waiters in this process when the session's transaction commits."""
    session.info.setdefault(_WAKE, set()).add(channel)


@event.listens_for(Session, "after_commit")
def _wake(session: Session) -> None:
    for channel in session.info.pop(_WAKE, ()):
        wakeups.wake(channel)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(_WAKE, None)
