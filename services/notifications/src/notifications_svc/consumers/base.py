"""The handlers every consumer module registers on, and the dispatch they queue with."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from crm_messaging import Handlers
from notifications_svc.context import Context
from notifications_svc.messages.dispatch import Dispatch

handlers = Handlers()


def dispatch_for(session: AsyncSession) -> Dispatch:
    # the time a message is queued at; the sender reads its own clock
    return Dispatch(Context(session))
