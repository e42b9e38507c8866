"""Identity's state announced again: every branch and every staff user's current access
through the outbox, with new event ids and each access at the time of its last change; run
by identity at startup for the announcements the migrations leave pending, once."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from identity_svc.announce.__main__ import main, run
from identity_svc.main import create_app
from identity_svc.settings import Settings

from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.testing import amqp_url, server_database_url

from .conftest import SERVICE_DIR, Api, staff_principal

ACCESS = "identity.access_changed"
BRANCH = "identity.branch_created"


@pytest.fixture(scope="module")
def settings() -> Iterator[Settings]:
    url = with_database(server_database_url(), f"t_announce_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    try:
        yield Settings(database_url=url, amqp_url=amqp_url(), db_pool_size=2)
    finally:
        asyncio.run(drop_database(url))


@pytest.fixture(scope="module")
def api(settings: Settings) -> Iterator[Api]:
    with TestClient(create_app(settings)) as client:
        yield Api(client, str(settings.database_url).replace("+asyncpg", ""))


def school(api: Api) -> dict[str, Any]:
    """An owner, a second branch, an admin of it and a teacher whose grants then changed."""
    body = api.sign_up()
    tenant, owner_id = body["organisation"]["id"], body["owner"]["id"]
    owner = staff_principal(tenant, owner_id, "owner")
    branch = api.call("POST", "/api/v1/identity/branches", owner, json={"name": "North"}).json()
    people = {}
    for role, grants in (
        ("admin", [{"scope": "branch", "scope_id": branch["id"]}]),
        ("teacher", [{"scope": "group", "scope_id": str(uuid.uuid4())}]),
    ):
        created = api.call(
            "POST",
            "/api/v1/identity/staff",
            owner,
            json={
                "email": f"{role}-{uuid.uuid4().hex[:6]}@school.example.com",
                "name": role.title(),
                "role": role,
                "grants": grants,
                "password": "a long password",
            },
        )
        assert created.status_code == 201, created.text
        people[role] = created.json()["id"]
    regrant = api.call(
        "PUT",
        f"/api/v1/identity/staff/{people['teacher']}/grants",
        owner,
        json={"grants": [{"scope": "branch", "scope_id": branch["id"]}]},
    )
    assert regrant.status_code == 200, regrant.text
    return {"tenant": tenant, "owner": owner_id, "branch": branch["id"], **people}


def events(api: Api, event_type: str, tenant: str) -> list[dict[str, Any]]:
    return [e for e in api.events(event_type) if e["tenant_id"] == tenant]


def last_by_subject(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["subject"]: e for e in rows}


def test_announce_writes_each_branch_and_each_staff_members_current_access(
    api: Api, settings: Settings
) -> None:
    world, other = school(api), school(api)
    before, elsewhere = events(api, ACCESS, world["tenant"]), events(api, ACCESS, other["tenant"])
    published = last_by_subject(before)
    announced = asyncio.run(run(uuid.UUID(world["tenant"]), settings))
    assert (announced.organisations, announced.branches, announced.staff) == (1, 2, 3)
    again = events(api, ACCESS, world["tenant"])[len(before) :]
    assert sorted(e["subject"] for e in again) == sorted(
        [world["owner"], world["admin"], world["teacher"]]
    )
    for event in again:
        last = published[event["subject"]]
        assert event["data"] == last["data"]
        # the time of the state it carries, so a newer change published meanwhile wins
        assert datetime.fromisoformat(event["time"]) == datetime.fromisoformat(last["time"])
        assert event["id"] != last["id"]
    teacher = last_by_subject(again)[world["teacher"]]["data"]
    assert (teacher["branch_ids"], teacher["group_ids"]) == ([world["branch"]], [])
    branches = events(api, BRANCH, world["tenant"])
    assert len(branches) == 4  # two created, two announced
    assert {e["subject"] for e in branches[2:]} == {world["branch"], branches[0]["subject"]}
    assert events(api, ACCESS, other["tenant"]) == elsewhere


def test_announcing_twice_writes_the_same_states_under_new_ids(
    api: Api, settings: Settings
) -> None:
    world = school(api)
    start = len(events(api, ACCESS, world["tenant"]))
    asyncio.run(run(uuid.UUID(world["tenant"]), settings))
    asyncio.run(run(uuid.UUID(world["tenant"]), settings))
    first, second = (
        events(api, ACCESS, world["tenant"])[start : start + 3],
        events(api, ACCESS, world["tenant"])[start + 3 :],
    )
    assert len(second) == 3
    assert [(e["subject"], e["data"], e["time"]) for e in first] == [
        (e["subject"], e["data"], e["time"]) for e in second
    ]
    assert not {e["id"] for e in first} & {e["id"] for e in second}


def test_the_command_announces_one_organisation_or_every_one(
    api: Api,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    world = school(api)
    monkeypatch.setenv("IDENTITY_DATABASE_URL", str(settings.database_url))
    assert main(["--tenant", world["tenant"]]) == 0
    assert json.loads(capsys.readouterr().out) == {"organisations": 1, "branches": 2, "staff": 3}
    assert main(["--tenant", str(uuid.uuid4())]) == 0
    assert json.loads(capsys.readouterr().out) == {"organisations": 0, "branches": 0, "staff": 0}
    organisations = api.sql("SELECT count(*) AS n FROM organisations")[0]["n"]
    assert main([]) == 0
    assert json.loads(capsys.readouterr().out)["organisations"] == organisations


def test_the_migrations_pending_announcement_runs_once_at_startup(
    api: Api, settings: Settings
) -> None:
    # The migration left one, which the module's app ran when it started (nothing yet then).
    [row] = api.sql("SELECT tenant_id, done_at FROM announcements")
    assert row["tenant_id"] is None
    assert row["done_at"] is not None
    world = school(api)
    api.sql("INSERT INTO announcements (tenant_id, reason) VALUES (NULL, 'a new read model')")
    start = len(events(api, ACCESS, world["tenant"]))
    with TestClient(create_app(settings)):
        pass
    assert len(events(api, ACCESS, world["tenant"])) == start + 3
    assert all(r["done_at"] for r in api.sql("SELECT done_at FROM announcements"))
    with TestClient(create_app(settings)):
        pass
    assert len(events(api, ACCESS, world["tenant"])) == start + 3


def test_the_migration_stamps_existing_staff_and_leaves_one_announcement_pending() -> None:
    url = with_database(server_database_url(), f"t_announce_up_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    db = Api(None, url.replace("+asyncpg", ""))  # type: ignore[arg-type]
    try:
        upgrade_sync(SERVICE_DIR, url, "0005")
        tenant, user = uuid.uuid4(), uuid.uuid4()
        db.sql(
            "INSERT INTO organisations (id, name, currency, time_zone, locale, plan, version,"
            " created_at, status) VALUES ($1, 'Old school', 'PLN', 'UTC', 'en', 'free', 1,"
            " '2026-01-01Z', 'active')",
            tenant,
        )
        db.sql(
            "INSERT INTO staff_users (id, tenant_id, email, name, role, status,"
            " finances_hidden, version, created_at) VALUES ($1, $2, 'old@school.example.com',"
            " 'Old', 'owner', 'active', false, 1, '2026-01-01Z')",
            user,
            tenant,
        )
        before = datetime.now().astimezone()
        upgrade_sync(SERVICE_DIR, url)
        [row] = db.sql("SELECT access_as_of FROM staff_users WHERE id = $1", user)
        # newer than any event published before the upgrade, so consumers take the announce
        assert row["access_as_of"] >= before
        [pending] = db.sql("SELECT tenant_id, done_at FROM announcements")
        assert (pending["tenant_id"], pending["done_at"]) == (None, None)
    finally:
        asyncio.run(drop_database(url))
