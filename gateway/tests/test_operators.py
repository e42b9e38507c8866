"""The operator realm at the gateway, and suspended organisations: operator tokens reach only
/operator/v1, staff and client tokens are refused there (403), and a suspended organisation's
staff are refused everywhere with the reason until an event or identity says otherwise."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from crm_contracts.envelope import EventEnvelope
from gateway_app.main import create_app
from gateway_app.settings import GatewaySettings

from .world import StandIn, World, new_world, start_stand_ins

ORGS = "/operator/v1/organisations"
CLIENTS = "/api/v1/clients/clients"


@pytest.fixture
async def world_and_gateway() -> AsyncIterator[tuple[World, Any, dict[str, StandIn]]]:
    world = new_world()
    stand_ins = await start_stand_ins(world)
    urls: dict[str, Any] = {f"{n}_url": s.url for n, s in stand_ins.items()}
    app = create_app(GatewaySettings(environment="test", **urls))
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
                yield world, (client, app), stand_ins
    finally:
        for stand_in in stand_ins.values():
            await stand_in.server.close()


def bearer(world: World, name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.token(world.actors[name])}"}


async def test_only_operator_tokens_reach_the_operator_api(
    world_and_gateway: tuple[World, Any, dict[str, StandIn]],
) -> None:
    world, (gateway, _), stand_ins = world_and_gateway
    through = await gateway.put(
        f"{ORGS}/{world.tenant}/plan", headers=bearer(world, "operator"), json={"plan": "free"}
    )
    assert through.status_code == 200
    principal = stand_ins["identity"].received[-1]["principal"]
    assert principal["realm"] == "operator"
    assert principal["tid"] is None
    for name in ("owner", "accountant", "portal_x"):
        refused = await gateway.get(ORGS, headers=bearer(world, name))
        assert refused.status_code == 403, name
        assert refused.json()["detail"] == "only an operator may do this"
    for headers in ({}, {"Authorization": "Bearer not.a.token"}):
        assert (await gateway.get(ORGS, headers=headers)).status_code == 401
    # An operator's token is no staff token, nor a client's.
    assert (await gateway.get(CLIENTS, headers=bearer(world, "operator"))).status_code == 401
    portal = await gateway.get("/portal/v1/overview", headers=bearer(world, "operator"))
    assert portal.status_code == 401
    # A staff token claiming the operator realm is neither: refused as any bad token.
    forged = world.token(world.actors["owner"], realm="operator")
    assert (
        await gateway.get(ORGS, headers={"Authorization": f"Bearer {forged}"})
    ).status_code == 401


def standing(world: World, status: str, reason: str | None, at: datetime) -> EventEnvelope:
    return EventEnvelope(
        type="identity.organisation_plan_changed",
        version=1,
        source="identity",
        tenant_id=world.tenant,
        subject=str(world.tenant),
        time=at,
        data={
            "organisation_id": str(world.tenant),
            "plan": "free",
            "status": status,
            "suspended_reason": reason,
        },
    )


async def test_a_suspended_organisations_staff_are_refused_with_the_reason(
    world_and_gateway: tuple[World, Any, dict[str, StandIn]],
) -> None:
    world, (gateway, app), _ = world_and_gateway
    world.suspended[world.tenant] = "unpaid since May"
    for name in ("owner", "teacher_a"):
        refused = await gateway.get(CLIENTS, headers=bearer(world, name))
        assert refused.status_code == 403
        assert refused.json()["detail"] == "this organisation is suspended: unpaid since May"
    # The event of the reactivation is heard at once; an older suspension arriving late is not.
    now = datetime.now(UTC)
    app.state.access_map.apply(standing(world, "active", None, now))
    app.state.access_map.apply(standing(world, "suspended", "old", now - timedelta(minutes=1)))
    assert (await gateway.get(CLIENTS, headers=bearer(world, "owner"))).status_code == 200
    app.state.access_map.apply(standing(world, "suspended", "closing", now + timedelta(seconds=1)))
    refused = await gateway.get(CLIENTS, headers=bearer(world, "owner"))
    assert refused.json()["detail"] == "this organisation is suspended: closing"
    # Operators still reach the organisation to reactivate it.
    reactivate = await gateway.post(
        f"{ORGS}/{world.tenant}/reactivate", headers=bearer(world, "operator")
    )
    assert reactivate.status_code == 200
