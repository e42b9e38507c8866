"""A rebuild empties the read models and replays the logged events: same answers after."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

from portal_svc.rebuild import rebuild

from crm_contracts.events import billing as b
from crm_platform.db import Database

from .conftest import Api, Org, P, account


def test_rebuild_replays_the_log_into_the_same_read_models(api: Api, org: Org) -> None:
    pack_id = uuid.uuid4()
    first, second = org.at(), org.at()
    state = {
        "pack_id": pack_id,
        "client_id": org.child,
        "name": "8 classes",
        "kind": "pack",
        "classes_total": 8,
        "starts_on": date(2026, 2, 1),
        "status": "active",
        "change": "class_used",
    }
    # Delivered newest first: the log holds them in arrival order, the replay sorts by time.
    api.deliver(org, b.PackChanged.model_validate(state | {"classes_left": 6}), at=second)
    api.deliver(org, b.PackChanged.model_validate(state | {"classes_left": 7}), at=first)
    api.deliver(org, b.BalanceChanged(client_id=org.child, balance_minor=-300, currency="PLN"))
    parent = account(org.tenant, org.parent)
    before = api.get(f"{P}/overview", parent, client_id=org.child)
    api.sql("UPDATE rm_packs SET classes_left = 99 WHERE tenant_id = $1", org.tenant)
    api.sql("DELETE FROM rm_clients WHERE tenant_id = $1 AND client_id = $2", org.tenant, org.child)
    # Damage done behind the consumers' back shows once the organisation's version moves (the
    # overview's cache keeps an answer until then; a rebuild's replay moves it).
    api.sql("UPDATE rm_versions SET version = version + 1 WHERE tenant_id = $1", org.tenant)
    assert (
        api.call("GET", f"{P}/overview", parent, params={"client_id": str(org.child)}).status_code
        == 404
    )

    async def run() -> int:
        database = Database(api.db_url.replace("postgresql://", "postgresql+asyncpg://"))
        try:
            return await rebuild(database, org.tenant)
        finally:
            await database.dispose()

    replayed = asyncio.run(run())
    assert replayed == len(org.basics()) + 3
    assert api.get(f"{P}/overview", parent, client_id=org.child) == before
    assert [p["classes_left"] for p in before["packs"]] == [6]
    # The organisation's branches too (here known from the group's event).
    branches = api.sql("SELECT branch_id FROM rm_branches WHERE tenant_id = $1", org.tenant)
    assert [r["branch_id"] for r in branches] == [org.branch]
