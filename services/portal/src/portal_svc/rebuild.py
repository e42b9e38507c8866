"""Rebuilds the read models by replaying the events the portal has consumed.

    uv run --all-packages python -m portal_svc.rebuild [--tenant <organisation id>]

There is no event store in the system: a producer's outbox rows are only its relay's queue.
So the portal logs every event it consumes (`event_log`, written in the same transaction as
its effect) and a rebuild empties the read models (of one organisation, or all) and projects
the logged events again through the same code, oldest first. Since every projection keeps the
newest state, the result equals the read models built live. Events from before the portal
first ran cannot be replayed; those states arrive again as the owners change them.
"""

from __future__ import annotations

import argparse
import asyncio
import uuid
from datetime import datetime

from crm_contracts.envelope import EventEnvelope
from crm_platform.db import Database
from portal_svc.consumers import project, projections
from portal_svc.readmodels import ReadModels
from portal_svc.settings import Settings

BATCH = 1000


async def rebuild(database: Database, tenant_id: uuid.UUID | None = None) -> int:
    """Empties the read models and replays the log in one transaction; returns the count."""
    replayed = 0
    async with database.unit_of_work() as session:
        models = ReadModels(session)
        await models.clear(tenant_id)
        after: tuple[datetime, int] | None = None
        while True:
            rows = await models.logged(tenant_id, after, BATCH)
            if not rows:
                return replayed
            for _, _, raw in rows:
                envelope = EventEnvelope.model_validate_json(raw)
                found = projections.get((envelope.type, envelope.version))
                if found is not None:
                    payload = found[0].model_validate(envelope.data)
                    await project(session, envelope, payload)
                    replayed += 1
            after = (rows[-1][0], rows[-1][1])


async def _main(tenant: str | None) -> None:
    settings = Settings()
    database = Database(settings.resolved_database_url(), pool_size=1)
    try:
        count = await rebuild(database, uuid.UUID(tenant) if tenant else None)
    finally:
        await database.dispose()
    print(f"replayed {count} events")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenant", help="rebuild one organisation's read models only")
    args = parser.parse_args()
    asyncio.run(_main(args.tenant))
