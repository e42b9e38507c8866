"""An upgrade that adds a read model of identity's staff: clients' staff table emptied in the
running system (as its migration leaves it), refilled when identity announces its state
again (`python -m identity_svc.announce`, as a migration's pending announcement does at
identity's start), after which a task goes to a colleague again."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from datetime import date
from typing import Any

import asyncpg
import httpx

from crm_devrun.processes import poll_until

from .conftest import DATABASE_URLS
from .test_access import add_staff, bearer, post_once_known, sign_up

CL = "/api/v1/clients"


def announce_command(*args: str) -> dict[str, Any]:
    env = os.environ | {"IDENTITY_DATABASE_URL": DATABASE_URLS["identity"]}
    done = subprocess.run(
        [sys.executable, "-m", "identity_svc.announce", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


async def empty_clients_staff(tenant_id: str) -> None:
    conn = await asyncpg.connect(DATABASE_URLS["clients"].replace("+asyncpg", ""))
    try:
        await conn.execute("DELETE FROM staff_members WHERE tenant_id = $1::uuid", tenant_id)
    finally:
        await conn.close()


async def test_clients_staff_emptied_by_an_upgrade_come_back_with_identitys_announce(
    gateway: httpx.AsyncClient,
) -> None:
    signed = await sign_up(gateway, "Upgraded school")
    org_id, owner = signed["organisation"]["id"], bearer(signed["tokens"])
    admin, _ = await add_staff(gateway, owner, "admin", [])
    client = await post_once_known(
        gateway, f"{CL}/clients", owner, {"first_name": "Ola", "last_name": "Nowak"}
    )
    tasks = f"{CL}/clients/{client['id']}/tasks"
    task = {"title": "Call", "due_date": str(date.today()), "assignee_id": admin["id"]}
    await post_once_known(gateway, tasks, owner, task)
    await empty_clients_staff(org_id)
    refused = await gateway.post(tasks, headers=owner, json=task)
    assert refused.status_code == 422, refused.text
    announced = await asyncio.to_thread(announce_command, "--tenant", org_id)
    assert announced == {"organisations": 1, "branches": 1, "staff": 2}

    async def assigned() -> dict[str, Any] | None:
        response = await gateway.post(tasks, headers=owner, json=task)
        if response.status_code == 422:
            return None
        assert response.status_code == 201, response.text
        answer: dict[str, Any] = response.json()
        return answer

    created = await poll_until(assigned, within=30.0, what="clients to hear identity's announce")
    assert created["assignee_id"] == admin["id"]
