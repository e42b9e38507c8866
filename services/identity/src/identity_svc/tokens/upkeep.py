"""The signing keys' upkeep beside the app: a key that signs exists before the app serves,
and a key older than its lifetime is rotated (checked hourly)."""

from __future__ import annotations

from crm_platform.clock import Clock
from crm_platform.db import Database
from crm_platform.logs import get_logger
from crm_platform.periodic import PeriodicJob
from identity_svc.tokens.keys import Keys

ROTATION_CHECK_SECONDS = 3600.0
log = get_logger(__name__)


class KeyUpkeep:
    name = "signing-keys"

    def __init__(self, database: Database, keys: Keys, clock: Clock) -> None:
        self.database = database
        self.keys = keys
        self.clock = clock
        self.job = PeriodicJob(self.name, self.rotate_if_old, ROTATION_CHECK_SECONDS)

    async def start(self) -> None:
        async with self.database.unit_of_work() as session:
            await self.keys.ensure(session, self.clock())
        await self.job.start()

    async def rotate_if_old(self) -> int:
        async with self.database.unit_of_work() as session:
            kid = await self.keys.rotate_if_old(session, self.clock())
        if kid:
            log.info("signing_key_rotated", kid=kid)
        return 1 if kid else 0

    async def stop(self) -> None:
        await self.job.stop()

    async def ready(self) -> None:
        await self.job.ready()
