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
from dataclasses import dataclass
from datetime import date, datetime

from crm_platform.db import Database
from crm_platform.group_commit import GroupCommit
from portal_svc.overview.cache_repository import Head, bump, read_heads

__all__ = ["Entry", "Head", "Key", "OverviewCache", "Versions", "bump", "local_day", "versions"]
Key = tuple[str, uuid.UUID, tuple[uuid.UUID, ...], uuid.UUID | None]


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
