"""The job that starts and ends freezes by themselves: each pass freezes clients whose
scheduled freeze has begun and unfreezes those whose period is over."""

from __future__ import annotations

from clients_svc.context import Context
from clients_svc.settings import Settings
from clients_svc.statuses.service import Statuses
from crm_messaging import Outbox
from crm_platform.clock import Clock
from crm_platform.db import Database
from crm_platform.logs import get_logger
from crm_platform.periodic import PeriodicJob

log = get_logger(__name__)


def freeze_upkeep(
    database: Database, settings: Settings, outbox: Outbox, clock: Clock
) -> PeriodicJob:
    async def run_once() -> int:
        ended = 0
        while True:
            async with database.unit_of_work() as session:
                statuses = Statuses(Context(session, outbox, clock, settings=settings))
                done = await statuses.start_scheduled_freezes()
                done += await statuses.end_expired_freezes()
            ended += done
            if done == 0:
                if ended:
                    log.info("freezes_started_or_ended", count=ended)
                return ended

    return PeriodicJob("freeze-upkeep", run_once, settings.freeze_upkeep_seconds)
