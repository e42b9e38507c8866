"""`python -m identity_svc.announce [--tenant <id>]`: identity's current state announced
again (announce/service.py), on identity's own database (IDENTITY_DATABASE_URL, or the
embedded default under var/); the running identity service's relay publishes it. Prints
what was written to the outbox as JSON."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import sys
import uuid
from collections.abc import Sequence

from crm_messaging import Outbox
from crm_platform.db import Database
from identity_svc.announce.service import Announced, announce
from identity_svc.models import messaging
from identity_svc.settings import Settings


async def run(tenant_id: uuid.UUID | None, settings: Settings) -> Announced:
    database = Database(settings.resolved_database_url(), pool_size=1)
    try:
        async with database.unit_of_work() as session:
            return await announce(session, Outbox("identity", messaging), tenant_id)
    finally:
        await database.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m identity_svc.announce", description=__doc__)
    parser.add_argument("--tenant", type=uuid.UUID, help="one organisation's id")
    args = parser.parse_args(argv)
    announced = asyncio.run(run(args.tenant, Settings()))
    print(json.dumps(dataclasses.asdict(announced)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
