"""The overview, cached per (organisation, caller, client) in the process.

Each organisation has a version (rm_versions) that every event projected into its read models
raises in the same transaction, as does marking a message read. A request reads the version
(one primary-key lookup) and is answered from the cache when the entry was made at that
version on the same day in the organisation's time zone; else the overview is computed and
kept. Several processes share the database, so every one of them sees every change; an entry
is made at the version read before its queries ran, so a change that lands meanwhile makes
the next request compute again rather than keep a stale answer.

Concurrent requests read their versions together (`versions`: one statement for a batch of
them, crm_platform.group_commit): a batch's statement is sent after each of its requests
arrived, so each still sees every change committed before it came. The organisation's time
zone comes with its version: the day an answer is for."""

from __future__ import annotations

import uuid
import zoneinfo
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from crm_platform.db import Database, pg_connection
from crm_platform.group_commit import GroupCommit
from portal_svc.models import Organisation, OverviewVersion

HEADS_SQL = """
SELECT t.tenant_id, v.version, o.time_zone
FROM unnest($1::uuid[]) AS t (tenant_id)
LEFT JOIN rm_versions v ON v.tenant_id = t.tenant_id
LEFT JOIN rm_organisations o ON o.tenant_id = t.tenant_id
"""
Key = tuple[str, uuid.UUID, tuple[uuid.UUID, ...], uuid.UUID | None]


async def bump(session: AsyncSession, tenant_id: uuid.UUID) -> None:
    """Raises the organisation's version (within the caller's transaction)."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(OverviewVersion).values(tenant_id=tenant_id, version=1)
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


Versions = GroupCommit[uuid.UUID, Head]


def versions(database: Database) -> Versions:
    """`await versions.submit(tenant_id)`: the organisation's head, read with the other
    requests' waiting at the same moment."""
    return GroupCommit("overview_versions", database, read_heads, max_batch=256)


def local_day(now: datetime, time_zone: str) -> date:
    try:
        zone = zoneinfo.ZoneInfo(time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    return now.astimezone(zone).date()


@dataclass(frozen=True)
class Entry:
    version: int
    time_zone: str
    day: date
    body: bytes


class OverviewCache:
    """Least recently used entries, at most `size` of them (0: nothing is kept)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[Key, Entry] = OrderedDict()

    def get(self, key: Key, version: int, now: datetime) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.version != version or local_day(now, entry.time_zone) != entry.day:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry.body

    def put(self, key: Key, entry: Entry) -> None:
        if self.size <= 0:
            return
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self.size:
            self._entries.popitem(last=False)
