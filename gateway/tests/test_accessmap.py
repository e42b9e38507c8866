"""The access map: newest state wins, owners are asked only for what events have not told."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from crm_contracts.envelope import EventEnvelope
from crm_messaging.amqp import AmqpPublisher
from crm_messaging.outbox import encode
from crm_messaging.publisher import OutgoingMessage
from crm_platform.testing import amqp_url
from gateway_app.accessmap import USER_TTL_SECONDS, AccessMap, Located, UserAccess, can_see
from gateway_app.feed import AccessMapFeed

TENANT = uuid.uuid4()


class Owners:
    """Answers owner lookups from a dict and counts them."""

    def __init__(self) -> None:
        self.answers: dict[str, dict[str, Any]] = {}
        self.asked: list[str] = []

    async def __call__(self, service: str, path: str) -> dict[str, Any] | None:
        self.asked.append(path)
        return self.answers.get(path)


def event(event_type: str, data: dict[str, Any], at: datetime | None = None) -> EventEnvelope:
    return EventEnvelope(
        type=event_type,
        source="test",
        tenant_id=TENANT,
        subject="s",
        data=data,
        time=at or datetime.now(UTC),
    )


def access(user: uuid.UUID, role: str, groups: list[uuid.UUID]) -> dict[str, Any]:
    return {
        "user_id": str(user),
        "role": role,
        "status": "active",
        "finances_hidden": False,
        "organisation_wide": False,
        "branch_ids": [],
        "group_ids": [str(g) for g in groups],
    }


async def test_newest_access_state_wins_even_when_an_older_one_arrives_late() -> None:
    owners = Owners()
    amap = AccessMap(owners)
    user, g1, g2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    amap.apply(event("identity.access_changed", access(user, "teacher", [g2]), now))
    amap.apply(
        event("identity.access_changed", access(user, "teacher", [g1]), now - timedelta(seconds=5))
    )
    found = await amap.user(user)
    assert found is not None
    assert found.group_ids == frozenset({g2})
    assert owners.asked == []


async def test_unseen_resources_are_asked_of_their_owner_once_then_again_after_the_ttl() -> None:
    owners = Owners()
    amap = AccessMap(owners, fetched_ttl=0.0)
    group = uuid.uuid4()
    path = f"/internal/v1/journal/access/groups/{group}"
    owners.answers[path] = {"tenant_id": str(TENANT), "branch_ids": [], "group_ids": [str(group)]}
    assert (await amap.locate("group", group)) is not None
    assert (await amap.locate("group", group)) is not None
    assert owners.asked == [path, path]  # ttl 0: asked every time
    fresh = AccessMap(owners, fetched_ttl=300.0)
    await fresh.locate("group", group)
    await fresh.locate("group", group)
    assert owners.asked.count(path) == 3
    assert await fresh.locate("client", uuid.uuid4()) is None


async def test_group_events_place_groups_and_forget_what_was_located_through_them() -> None:
    owners = Owners()
    amap = AccessMap(owners)
    group, branch, lesson, client = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    owners.answers[f"/internal/v1/journal/access/lessons/{lesson}"] = {
        "tenant_id": str(TENANT),
        "branch_ids": [str(branch)],
        "group_ids": [str(group)],
    }
    owners.answers[f"/internal/v1/clients/access/clients/{client}"] = {
        "tenant_id": str(TENANT),
        "branch_ids": [str(branch)],
        "group_ids": [str(group)],
    }
    await amap.locate("lesson", lesson)
    await amap.locate("client", client)
    moved_to = uuid.uuid4()
    amap.apply(
        event(
            "journal.group_updated",
            {"group_id": str(group), "branch_id": str(moved_to), "name": "G"},
        )
    )
    assert amap.resources[("group", group)].branch_ids == frozenset({moved_to})
    assert ("lesson", lesson) not in amap.resources
    assert ("client", client) not in amap.resources
    await amap.locate("client", client)
    amap.apply(event("journal.enrolment_started", {"client_id": str(client)}))
    assert ("client", client) not in amap.resources
    await amap.locate("client", client)
    amap.apply(event("clients.client_updated", {"client_id": str(client)}))
    assert ("client", client) not in amap.resources


def test_visibility_rules() -> None:
    g1, g2, b1, b2 = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    where = Located(TENANT, frozenset({b1}), frozenset({g1}))

    def user(role: str, **kw: Any) -> UserAccess:
        return UserAccess(
            tenant_id=kw.get("tenant", TENANT),
            role=role,
            status="active",
            finances_hidden=False,
            organisation_wide=role == "owner",
            branch_ids=frozenset(kw.get("branches", ())),
            group_ids=frozenset(kw.get("groups", ())),
        )

    assert can_see(user("owner"), where)
    assert not can_see(user("owner", tenant=uuid.uuid4()), where)
    assert can_see(user("admin", branches={b1}), where)
    assert not can_see(user("admin", branches={b2}), where)
    assert can_see(user("teacher", groups={g1}), where)
    assert not can_see(user("teacher", groups={g2}), where)
    assert not can_see(user("accountant", groups={g1}), where)


async def test_scheduled_lessons_are_placed_from_events_without_asking() -> None:
    owners = Owners()
    amap = AccessMap(owners)
    lesson, group, branch = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    data = {"lesson_id": str(lesson), "group_id": str(group), "branch_id": str(branch)}
    amap.apply(event("journal.lesson_scheduled", data))
    where = await amap.locate("lesson", lesson)
    assert where == Located(TENANT, frozenset({branch}), frozenset({group}))
    assert owners.asked == []


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def revoked(user: uuid.UUID, status: str = "active") -> dict[str, Any]:
    return access(user, "teacher", []) | {"tenant_id": str(TENANT), "status": status}


async def test_what_an_event_taught_is_asked_again_within_the_user_lifetime() -> None:
    """A revoked grant or a deactivated user whose event never arrived stops working within
    the documented bound (USER_TTL_SECONDS)."""
    owners, clock = Owners(), Clock()
    amap = AccessMap(owners, clock=clock)
    granted, gone, group = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    for user in (granted, gone):
        amap.apply(event("identity.access_changed", access(user, "teacher", [group])))
    owners.answers[f"/internal/v1/identity/access/{granted}"] = revoked(granted)
    owners.answers[f"/internal/v1/identity/access/{gone}"] = revoked(gone, "deactivated")
    clock.now += USER_TTL_SECONDS - 1
    assert (await amap.user(granted)).group_ids == frozenset({group})  # type: ignore[union-attr]
    assert owners.asked == []
    clock.now += 2
    assert (await amap.user(granted)).group_ids == frozenset()  # type: ignore[union-attr]
    assert (await amap.user(gone)).status == "deactivated"  # type: ignore[union-attr]


async def test_after_the_broker_connection_is_cut_the_map_resynchronises() -> None:
    owners = Owners()
    amap = AccessMap(owners)
    feed = AccessMapFeed(amap, amqp_url())
    publisher = AmqpPublisher(amqp_url())
    user, group = uuid.uuid4(), uuid.uuid4()
    await feed.start()
    await publisher.start()
    try:

        async def publish(data: dict[str, Any]) -> None:
            envelope = event("identity.access_changed", data)
            await publisher.publish_many(
                [OutgoingMessage(envelope.id, envelope.type, TENANT, encode(envelope))]
            )

        async def until(condition: Callable[[], Awaitable[bool]]) -> None:
            deadline = asyncio.get_running_loop().time() + 30
            while not await condition():
                assert asyncio.get_running_loop().time() < deadline, "not reached in time"
                await asyncio.sleep(0.05)

        await publish(access(user, "teacher", [group]))

        async def learnt() -> bool:
            known = amap.users.get(user)
            return known is not None and known.group_ids == frozenset({group})

        await until(learnt)
        # The grant is revoked while the broker is unreachable: its event is never seen.
        owners.answers[f"/internal/v1/identity/access/{user}"] = revoked(user)
        assert feed._connection is not None
        assert feed._connection.transport is not None
        await feed._connection.transport.connection.close(ConnectionError("cut"))

        async def revoked_here() -> bool:
            found = await amap.user(user)
            return found is not None and found.group_ids == frozenset()

        await until(revoked_here)
        # The feed is back: the next event arrives again.
        other = uuid.uuid4()

        async def listening() -> bool:
            await publish(access(user, "teacher", [other]))
            await asyncio.sleep(0.2)
            known = amap.users.get(user)
            return known is not None and known.group_ids == frozenset({other})

        await until(listening)
    finally:
        await publisher.stop()
        await feed.stop()
