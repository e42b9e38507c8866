"""Sign-up, staff and the group-level access rule, through the gateway only, against the
services running as separate processes."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from crm_devrun.processes import poll_until
from crm_devrun.system import System

PASSWORD = "a long enough password"


async def sign_up(gateway: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await gateway.post(
        "/auth/signup",
        json={
            "organisation": {
                "name": name,
                "currency": "PLN",
                "time_zone": "Europe/Warsaw",
                "locale": "pl",
            },
            "owner": {
                "name": f"{name} owner",
                "email": f"{uuid.uuid4().hex[:8]}@school.example.com",
                "password": PASSWORD,
            },
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def journal_knows(gateway: httpx.AsyncClient, owner: dict[str, str]) -> None:
    """Until the journal has the organisation (and so its first branch) from identity."""

    async def probe() -> bool | None:
        response = await gateway.get("/api/v1/journal/settings", headers=owner)
        assert response.status_code == 200, response.text
        return True if response.json()["time_zone"] != "UTC" else None

    await poll_until(probe, within=30.0, what="the journal to learn the organisation")


async def post_once_known(
    gateway: httpx.AsyncClient, path: str, headers: dict[str, str], body: dict[str, Any]
) -> dict[str, Any]:
    """POST naming ids another service announces (a client, a branch, a teacher): 422 until
    this service has learnt them from the events, then the answer."""

    async def probe() -> dict[str, Any] | None:
        response = await gateway.post(path, headers=headers, json=body)
        if response.status_code == 422:
            return None
        assert response.status_code in (200, 201), response.text
        answer: dict[str, Any] = response.json()
        return answer

    return await poll_until(probe, within=30.0, what=f"{path} to accept {body}")


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def add_staff(
    gateway: httpx.AsyncClient, owner: dict[str, str], role: str, grants: list[dict[str, str]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    email = f"{role}-{uuid.uuid4().hex[:8]}@school.example.com"
    created = await gateway.post(
        "/api/v1/identity/staff",
        headers=owner,
        json={
            "email": email,
            "name": role.title(),
            "role": role,
            "grants": grants,
            "password": PASSWORD,
        },
    )
    assert created.status_code == 201, created.text
    tokens = await gateway.post("/auth/token", json={"email": email, "password": PASSWORD})
    assert tokens.status_code == 200, tokens.text
    return created.json(), tokens.json()


async def test_teacher_admin_and_other_organisation_see_only_what_they_may(
    gateway: httpx.AsyncClient,
) -> None:
    a = await sign_up(gateway, "Alpha school")
    owner = bearer(a["tokens"])
    north = await gateway.post("/api/v1/identity/branches", headers=owner, json={"name": "North"})
    assert north.status_code == 201, north.text
    north_id = north.json()["id"]
    centre_id = a["branch"]["id"]
    group = str(uuid.uuid4())

    _, teacher_tokens = await add_staff(
        gateway, owner, "teacher", [{"scope": "group", "scope_id": group}]
    )
    _, admin_tokens = await add_staff(
        gateway, owner, "admin", [{"scope": "branch", "scope_id": north_id}]
    )
    teacher, admin = bearer(teacher_tokens), bearer(admin_tokens)

    me = await gateway.get("/api/v1/identity/me", headers=teacher)
    assert me.status_code == 200
    assert me.json()["grants"] == [{"scope": "group", "scope_id": group}]
    assert (await gateway.get("/api/v1/identity/staff", headers=teacher)).status_code == 403
    assert (
        await gateway.get(f"/api/v1/identity/branches/{north_id}", headers=teacher)
    ).status_code == 404

    seen = await gateway.get(f"/api/v1/identity/branches/{north_id}", headers=admin)
    assert seen.status_code == 200, seen.text
    assert (
        await gateway.get(f"/api/v1/identity/branches/{centre_id}", headers=admin)
    ).status_code == 404
    listed = (await gateway.get("/api/v1/identity/branches", headers=admin)).json()["items"]
    assert [b["id"] for b in listed] == [north_id]
    assert (
        await gateway.get(f"/api/v1/identity/branches/{centre_id}", headers=owner)
    ).status_code == 200

    b = await sign_up(gateway, "Beta school")
    other = bearer(b["tokens"])
    assert (
        await gateway.get(f"/api/v1/identity/branches/{centre_id}", headers=other)
    ).status_code == 404
    staff = (await gateway.get("/api/v1/identity/staff", headers=other)).json()["items"]
    assert [s["id"] for s in staff] == [b["owner"]["id"]]


async def test_deactivation_reaches_the_gateway_through_events(gateway: httpx.AsyncClient) -> None:
    a = await sign_up(gateway, "Gamma school")
    owner = bearer(a["tokens"])
    user, tokens = await add_staff(gateway, owner, "teacher", [])
    teacher = bearer(tokens)
    assert (await gateway.get("/api/v1/identity/me", headers=teacher)).status_code == 200
    done = await gateway.post(f"/api/v1/identity/staff/{user['id']}/deactivate", headers=owner)
    assert done.status_code == 200

    async def refused() -> bool | None:
        response = await gateway.get("/api/v1/identity/me", headers=teacher)
        return True if response.status_code == 401 else None

    # The access token itself is still unexpired; only the access_changed event can stop it.
    await poll_until(refused, within=20.0, what="the gateway to learn of the deactivation")


async def test_refresh_rotation_and_reuse_through_the_gateway(gateway: httpx.AsyncClient) -> None:
    first = (await sign_up(gateway, "Delta school"))["tokens"]
    second = await gateway.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    reused = await gateway.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reused.status_code == 401
    newest = await gateway.post(
        "/auth/refresh", json={"refresh_token": second.json()["refresh_token"]}
    )
    assert newest.status_code == 401


async def test_services_refuse_calls_that_skip_the_gateway(system: System) -> None:
    identity = system.services["identity"]
    async with httpx.AsyncClient(base_url=identity.base_url, trust_env=False) as direct:
        response = await direct.post(
            "/auth/token", json={"email": "a@b.example.com", "password": "x"}
        )
    assert response.status_code == 401


async def test_merged_api_document_lists_identity_routes(gateway: httpx.AsyncClient) -> None:
    document = (await gateway.get("/openapi.json")).json()
    assert "/auth/token" in document["paths"]
    assert "post" in document["paths"]["/api/v1/identity/staff"]
    assert not any(p.startswith("/internal/") for p in document["paths"])
