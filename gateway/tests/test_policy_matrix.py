"""Every route x every actor x objects in their own group, another group, another branch and
another organisation: the gateway lets through exactly what the product rules allow."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gateway_app.main import create_app
from gateway_app.policy import PolicyTable
from gateway_app.route import Route
from gateway_app.settings import GatewaySettings

from .matrix import ROLES_WITH, ROUTE_PERMISSION, SEES_BRANCHES, SEES_GROUPS
from .world import Actor, StandIn, World, new_world, start_stand_ins

RELATIONS = ("own_group", "other_group", "other_branch", "other_tenant")


@pytest.fixture(scope="module")
def world() -> World:
    return new_world()


@pytest.fixture
async def stand_ins(world: World) -> AsyncIterator[dict[str, StandIn]]:
    started = await start_stand_ins(world)
    yield started
    for stand_in in started.values():
        await stand_in.server.close()


@pytest.fixture
async def gateway(stand_ins: dict[str, StandIn]) -> AsyncIterator[httpx.AsyncClient]:
    urls: dict[str, Any] = {f"{n}_url": s.url for n, s in stand_ins.items()}
    settings = GatewaySettings(
        environment="test",
        rate_per_address=1e6,
        burst_per_address=10**6,
        rate_per_user=1e6,
        burst_per_user=10**6,
        **urls,
    )
    app: FastAPI = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield client


def test_every_policy_route_is_in_the_matrix_with_the_expected_permission() -> None:
    table = {(r.method, r.path): r.permission for r in PolicyTable().routes}
    unlisted = sorted(set(table) - set(ROUTE_PERMISSION))
    assert unlisted == [], "add these routes to gateway/tests/matrix.py"
    assert table == ROUTE_PERMISSION


def expected(actor: Actor, route: Route, relation: str | None) -> str:
    permission = ROUTE_PERMISSION[(route.method, route.path)]
    if permission == "public":
        return "through"
    if permission == "portal":
        return "through" if actor.realm == "portal" else "401"
    if permission == "link":
        return "404"  # a made-up token: nobody's link, whoever asks (tested in test_links.py)
    if permission == "operator":
        return {"operator": "through", "anonymous": "401"}.get(actor.realm, "403")
    if actor.realm != "staff":
        return "401"
    if actor.role not in ROLES_WITH[permission] or (
        permission == "finance.read" and actor.role == "teacher" and actor.finances_hidden
    ):
        return "403"
    if relation is None:
        return "through"
    kinds = set(route.locate.values())
    sees = SEES_BRANCHES if kinds == {"branch"} else SEES_GROUPS
    return "through" if relation in sees[actor.name] else "404"


def concrete_path(world: World, route: Route, relation: str | None) -> str:
    def fill(m: re.Match[str]) -> str:
        param = m.group(1)
        kind = route.locate.get(param)
        if kind is not None and relation is not None:
            return str(world.objects[relation][kind])
        return "made-up-token-" + uuid.uuid4().hex if param == "token" else str(uuid.uuid4())

    return re.sub(r"\{(\w+)\}", fill, route.path)


async def test_authorisation_matrix(
    gateway: httpx.AsyncClient, world: World, stand_ins: dict[str, StandIn]
) -> None:
    unexpected: list[str] = []
    checked = 0
    for route in PolicyTable().routes:
        relations: tuple[str | None, ...] = RELATIONS if route.locate else (None,)
        for actor in world.actors.values():
            headers = (
                {}
                if actor.realm == "anonymous"
                else {"Authorization": f"Bearer {world.token(actor)}"}
            )
            for relation in relations:
                path = concrete_path(world, route, relation)
                want = expected(actor, route, relation)
                before = len(stand_ins[route.service].received)
                response = await gateway.request(
                    route.method, path, headers=headers, json={} if route.method != "GET" else None
                )
                reached = len(stand_ins[route.service].received) > before
                got = (
                    "through"
                    if reached and response.status_code == 200
                    else str(response.status_code)
                )
                checked += 1
                if got != want:
                    where = f"{route.method} {route.path} [{relation}]"
                    unexpected.append(f"{actor.name} {where}: {got}, expected {want}")
                elif reached and actor.realm == "staff" and route.realm == "staff":
                    scope = stand_ins[route.service].received[-1]["principal"]
                    assert scope["tid"] == str(actor.tenant)
                    assert set(scope["groups"]) == {str(g) for g in actor.groups}
                    assert set(scope["branches"]) == {str(b) for b in actor.branches}
                    assert scope["all_branches"] is (actor.role == "owner")
                elif reached and route.realm == "portal":
                    scope = stand_ins[route.service].received[-1]["principal"]
                    assert scope["clients"] == sorted(str(c) for c in actor.clients)
    assert unexpected == []
    assert checked > 1000


async def test_unknown_routes_are_denied_by_default(
    gateway: httpx.AsyncClient, world: World
) -> None:
    owner = world.actors["owner"]
    headers = {"Authorization": f"Bearer {world.token(owner)}"}
    for method, path in (
        ("GET", "/api/v1/billing/secret-report"),
        ("DELETE", "/api/v1/identity/branches"),
        ("GET", "/internal/v1/identity/access/" + str(owner.user_id)),
        ("GET", "/api/v1/journal/groups/not-a-uuid"),
        ("GET", "/api/v1/journal/groups/..%2F..%2Fidentity%2Fstaff"),
    ):
        response = await gateway.request(method, path, headers=headers)
        assert response.status_code == 404, (method, path)
        assert response.headers["content-type"] == "application/problem+json"


async def test_a_trailing_slash_or_dots_never_reach_a_service(
    gateway: httpx.AsyncClient, world: World, stand_ins: dict[str, StandIn]
) -> None:
    owner = world.actors["owner"]
    headers = {"Authorization": f"Bearer {world.token(owner)}"}
    group = world.objects["own_group"]["group"]
    for path in (
        "/api/v1/journal/groups/",
        "/api/v1/clients/clients/",
        f"/api/v1/journal/groups/{group}/",
    ):
        response = await gateway.get(path, headers=headers)
        assert response.status_code == 404, path
        assert "location" not in response.headers
    assert all(s.received == [] for s in stand_ins.values())
    # As the gateway sees a raw path (HTTP clients usually fold dot segments first).
    table = PolicyTable()
    for raw in (
        "/api/v1/journal/groups/..",
        "/api/v1/journal/groups/../lessons",
        f"/api/v1/journal/groups/{group}/../../rooms/x",
        "/api/v1/journal/teachers/../rates",
        "/api/v1/journal/lessons/..%2F..%2Fgroups/marks",
    ):
        assert table.match("GET", raw) is None, raw
    assert table.match("GET", f"/api/v1/journal/groups/{group}") is not None


async def test_ids_in_list_filters_are_located_like_ids_in_paths(
    gateway: httpx.AsyncClient, world: World, stand_ins: dict[str, StandIn]
) -> None:
    teacher = {"Authorization": f"Bearer {world.token(world.actors['teacher_b'])}"}
    accountant = {"Authorization": f"Bearer {world.token(world.actors['accountant'])}"}
    seen_by_teacher = world.objects["other_group"]["client"]  # teacher B's own group
    own_branch = world.objects["own_group"]["client"]
    for headers, client, status in (
        (teacher, seen_by_teacher, 200),
        (teacher, own_branch, 404),
        (accountant, own_branch, 200),
        (accountant, world.objects["other_branch"]["client"], 404),
        (accountant, world.objects["other_tenant"]["client"], 404),
    ):
        for path in ("/api/v1/billing/invoices", "/api/v1/billing/payments"):
            response = await gateway.get(f"{path}?client_id={client}", headers=headers)
            assert response.status_code == status, (path, status)
    reached = stand_ins["billing"].received
    assert {r["query"] for r in reached} == {
        f"client_id={seen_by_teacher}",
        f"client_id={own_branch}",
    }
