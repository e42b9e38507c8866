"""The overview cache's queries (overview/cache.py): the organisations' versions and time
zones."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.db import dialect_insert, pg_connection
from portal_svc.models import Organisation, OverviewVersion

HEADS_SQL = """
SELECT t.tenant_id, v.version, o.time_zone
FROM unnest($1::uuid[]) AS t (tenant_id)
LEFT JOIN rm_versions v ON v.tenant_id = t.tenant_id
LEFT JOIN rm_organisations o ON o.tenant_id = t.tenant_id
"""


async def bump(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Raises the organisation's version (within the caller's transaction)."""
    statement = dialect_insert(session, OverviewVersion).values(tenant_id=tenant_id, version=1)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[OverviewVersion.tenant_id],
            set_={"version": OverviewVersion.version + 1},
        )
    )


class Head(NamedTuple):
    """An organisation's version (0 until it changes) and time zone (UTC until known)."""

    version: int
    time_zone: str


async def read_heads(session: AsyncSession, tenants: Sequence[uuid.UUID]) -> list[Head]:
    """The organisations' heads, in one round trip on PostgreSQL, read outside a transaction:
    no BEGIN and COMMIT are sent."""
    wanted = list(set(tenants))
    raw = await pg_connection(session, begin=False)
    if raw is not None:
        found = {t: Head(int(v or 0), z or "UTC") for t, v, z in await raw.fetch(HEADS_SQL, wanted)}
    else:
        found = await _heads_one_by_one(session, wanted)
    return [found[tenant] for tenant in tenants]


async def _heads_one_by_one(
    session: AsyncSession, wanted: list[uuid.UUID]
) -> dict[uuid.UUID, Head]:
    versions = await session.execute(
        select(OverviewVersion.tenant_id, OverviewVersion.version).where(
            OverviewVersion.tenant_id.in_(wanted)
        )
    )
    known = dict(versions.all())
    zones = await session.execute(
        select(Organisation.tenant_id, Organisation.time_zone).where(
            Organisation.tenant_id.in_(wanted)
        )
    )
    zone = dict(zones.all())
    return {t: Head(int(known.get(t) or 0), zone.get(t) or "UTC") for t in wanted}
