"""The gateway's access map: who may see what, and where each resource lives.

Fed by events (identity.access_changed, identity.branch_created, ...) and completed on
demand by asking the owning service when it has not seen a resource yet. It holds only
what can be fetched again, so it lives in memory and a restart just refills it.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crm_contracts.envelope import EventEnvelope
from crm_platform.scope import Place, Scope
from gateway_app.route import Kind
from gateway_app.standing import EVENT_TYPE as STANDING_EVENT
from gateway_app.standing import Standings

# kind -> the service that owns it, and the collection its lookup is under:
# /internal/v1/<service>/access/<collection>/<id>
OWNERS: dict[Kind, tuple[str, str]] = {
    "branch": ("identity", "branches"),
    "group": ("journal", "groups"),
    "lesson": ("journal", "lessons"),
    "client": ("clients", "clients"),
}


@dataclass(frozen=True)
class UserAccess:
    tenant_id: uuid.UUID
    role: str
    status: str
    finances_hidden: bool
    organisation_wide: bool
    branch_ids: frozenset[uuid.UUID]
    group_ids: frozenset[uuid.UUID]
    as_of: datetime | None = None

    @property
    def scope(self) -> Scope:
        return Scope.build(
            self.tenant_id, self.role, self.organisation_wide, self.branch_ids, self.group_ids
        )

    @classmethod
    def from_data(
        cls, tenant_id: uuid.UUID, data: dict[str, Any], as_of: datetime | None
    ) -> UserAccess:
        return cls(
            tenant_id=tenant_id,
            role=str(data["role"]),
            status=str(data["status"]),
            finances_hidden=bool(data["finances_hidden"]),
            organisation_wide=bool(data["organisation_wide"]),
            branch_ids=frozenset(uuid.UUID(str(b)) for b in data["branch_ids"]),
            group_ids=frozenset(uuid.UUID(str(g)) for g in data["group_ids"]),
            as_of=as_of,
        )


# Where a resource lives: its tenant, and the branches and groups it belongs to.
Located = Place


def can_see(user: UserAccess, where: Located) -> bool:
    """libs' one scope rule (crm_platform/scope.py), as the services apply it."""
    return user.scope.sees(where)


Fetch = Callable[[str, str], Awaitable[dict[str, Any] | None]]


USER_TTL_SECONDS = 30.0
RESOURCE_TTL_SECONDS = 300.0


class AccessMap:
    """Every entry, learnt from an event or asked of an owner, is asked again once it is
    older than its lifetime: a user's access after `user_ttl` seconds, so a revoked grant or
    a deactivated user stops working within that time even if the event never reached this
    gateway; a resource's place after `fetched_ttl` seconds. When the feed loses or regains
    its broker connection everything is dropped (events may have been missed meanwhile) and
    asked of the owners again on first use."""

    def __init__(
        self,
        fetch: Fetch,
        fetched_ttl: float = RESOURCE_TTL_SECONDS,
        user_ttl: float = USER_TTL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """`fetch(service, path)` asks an owner's internal API; None when it does not know."""
        self._fetch = fetch
        self._ttl = fetched_ttl
        self._user_ttl = user_ttl
        self._clock = clock
        self.users: dict[uuid.UUID, UserAccess] = {}
        self.resources: dict[tuple[Kind, uuid.UUID], Located] = {}
        self._learnt_at: dict[object, float] = {}
        self._events_about: dict[object, int] = {}  # bumped by each event about a key
        self.standings = Standings(fetch, fetched_ttl)

    def _fresh(self, key: object, ttl: float) -> bool:
        at = self._learnt_at.get(key)
        return at is not None and self._clock() - at < ttl

    def _learnt(self, key: object) -> None:
        self._learnt_at[key] = self._clock()
        self._events_about[key] = self._events_about.get(key, 0) + 1

    def forget_all(self) -> None:
        """Drop everything: each entry is asked of its owner again on first use."""
        self.users.clear()
        self.resources.clear()
        self._learnt_at.clear()
        self.standings.forget_all()

    async def user(self, user_id: uuid.UUID) -> UserAccess | None:
        known = self.users.get(user_id)
        if known is not None and self._fresh(user_id, self._user_ttl):
            return known
        events_before = self._events_about.get(user_id, 0)
        data = await self._fetch("identity", f"/internal/v1/identity/access/{user_id}")
        if self._events_about.get(user_id, 0) != events_before:
            return self.users.get(user_id)  # an event arrived while we asked: it is newer
        if data is None:
            self.users.pop(user_id, None)
            return None
        self.users[user_id] = UserAccess.from_data(uuid.UUID(str(data["tenant_id"])), data, None)
        self._learnt_at[user_id] = self._clock()
        return self.users[user_id]

    async def locate(self, kind: Kind, resource_id: uuid.UUID) -> Located | None:
        key = (kind, resource_id)
        known = self.resources.get(key)
        if known is not None and self._fresh(key, self._ttl):
            return known
        service, collection = OWNERS[kind]
        data = await self._fetch(
            service, f"/internal/v1/{service}/access/{collection}/{resource_id}"
        )
        if data is None:
            return None
        located = Located.from_data(data)
        self.resources[key] = located
        self._learnt_at[key] = self._clock()
        return located

    # events
    EVENT_TYPES = (
        "identity.access_changed",
        "identity.branch_created",
        "journal.group_created",
        "journal.group_updated",
        "journal.enrolment_started",
        "journal.enrolment_ended",
        "clients.client_updated",
        "journal.lesson_scheduled",
        "journal.lesson_changed",
        STANDING_EVENT,
    )

    def apply(self, envelope: EventEnvelope) -> None:
        data, tenant = envelope.data, envelope.tenant_id
        if envelope.type == STANDING_EVENT:
            self.standings.apply(envelope)
            return
        match envelope.type:
            case "identity.access_changed":
                user_id = uuid.UUID(str(data["user_id"]))
                current = self.users.get(user_id)
                if (
                    current is not None
                    and current.as_of is not None
                    and current.as_of > envelope.time
                ):
                    return  # an older state delivered late
                self.users[user_id] = UserAccess.from_data(tenant, data, envelope.time)
                self._learnt(user_id)
            case "identity.branch_created":
                branch_id = uuid.UUID(str(data["branch_id"]))
                self._set(
                    ("branch", branch_id), Located(tenant, frozenset({branch_id}), frozenset())
                )
            case "journal.group_created" | "journal.group_updated":
                group_id = uuid.UUID(str(data["group_id"]))
                branch_id = uuid.UUID(str(data["branch_id"]))
                self._set(
                    ("group", group_id),
                    Located(tenant, frozenset({branch_id}), frozenset({group_id})),
                )
                # Lessons and clients of the group are located through it: ask again.
                self._forget(lambda where: group_id in where.group_ids, kinds=("lesson", "client"))
            case "journal.lesson_scheduled" | "journal.lesson_changed":
                lesson_id = uuid.UUID(str(data["lesson_id"]))
                group_id = uuid.UUID(str(data["group_id"]))
                branch_id = uuid.UUID(str(data["branch_id"]))
                self._set(
                    ("lesson", lesson_id),
                    Located(tenant, frozenset({branch_id}), frozenset({group_id})),
                )
            case "journal.enrolment_started" | "journal.enrolment_ended" | "clients.client_updated":
                # The client's groups or home branch changed: ask the clients service again.
                self.resources.pop(("client", uuid.UUID(str(data["client_id"]))), None)

    def _set(self, key: tuple[Kind, uuid.UUID], located: Located) -> None:
        self.resources[key] = located
        self._learnt(key)

    def _forget(self, which: Callable[[Located], bool], kinds: tuple[Kind, ...]) -> None:
        stale = [k for k, where in self.resources.items() if k[0] in kinds and which(where)]
        for key in stale:
            self.resources.pop(key, None)
