"""At startup, the announcements the migrations left pending, in one transaction."""

from __future__ import annotations

from crm_messaging import Outbox
from crm_platform.clock import Clock
from crm_platform.db import Database
from crm_platform.logs import get_logger
from identity_svc.announce.service import announce_pending

log = get_logger(__name__)


class PendingAnnouncements:
    """A component of the app: its start runs them."""

    name = "announcements"

    def __init__(self, database: Database, outbox: Outbox, clock: Clock) -> None:
        self.database = database
        self.outbox = outbox
        self.clock = clock

    async def start(self) -> None:
        async with self.database.unit_of_work() as session:
            ran = await announce_pending(session, self.outbox, self.clock)
        if ran:
            log.info("state_announced", announcements=ran)

    async def stop(self) -> None:
        return None

    async def ready(self) -> None:
        return None
