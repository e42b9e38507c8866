"""Freeze (with a period that ends by itself), unfreeze, archive, restore: each an event."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .conftest import Api, Org

CLIENTS = "/api/v1/clients/clients"


def later(days: int) -> str:
    """Days from today where the organisation is (Warsaw is a day ahead of UTC for an hour)."""
    today = datetime.now(ZoneInfo("Europe/Warsaw")).date()
    return (today + timedelta(days=days)).isoformat()


def freeze(api: Api, org: Org, client: dict[str, Any], **body: Any) -> Any:
    return api.call(
        "POST",
        f"{CLIENTS}/{client['id']}/freeze",
        org.owner,
        json={"until_date": later(14), "reason": "ill"} | body,
    )


def test_freeze_and_unfreeze_are_events_billing_can_act_on(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org)
    frozen = freeze(api, org, client, from_date=later(1), until_date=later(15))
    assert frozen.status_code == 200, frozen.text
    card = frozen.json()
    # Starting tomorrow: scheduled now, the status turns on its first day.
    assert card["status"] == "active"
    assert (card["frozen_from"], card["frozen_until"], card["freeze_reason"]) == (
        later(1),
        later(15),
        "ill",
    )
    event = api.events("clients.client_frozen", client["id"])
    assert [e["data"] for e in event] == [
        {"client_id": client["id"], "from_date": later(1), "until_date": later(15), "reason": "ill"}
    ]
    again = freeze(api, org, client)
    assert again.status_code == 409
    assert "already frozen" in again.json()["detail"]
    cancelled = api.ok("POST", f"{CLIENTS}/{client['id']}/unfreeze", org.owner)
    assert (cancelled["status"], cancelled["frozen_from"]) == ("active", None)
    now = freeze(api, org, client, reason="holiday").json()
    assert now["status"] == "frozen"
    assert api.events("clients.client_updated", client["id"])[-1]["data"]["status"] == "frozen"
    unfrozen = api.ok("POST", f"{CLIENTS}/{client['id']}/unfreeze", org.owner)
    assert unfrozen["status"] == "active"
    assert unfrozen["frozen_until"] is None
    assert [e["data"]["reason"] for e in api.events("clients.client_unfrozen", client["id"])] == [
        "manual",
        "manual",
    ]
    assert api.call("POST", f"{CLIENTS}/{client['id']}/unfreeze", org.owner).status_code == 409
    kinds = [
        h["kind"] for h in api.ok("GET", f"{CLIENTS}/{client['id']}/history", org.owner)["items"]
    ]
    assert kinds[:4] == ["client.unfrozen", "client.frozen", "client.unfrozen", "client.frozen"]


def test_a_freeze_period_must_make_sense(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org)
    backwards = freeze(api, org, client, from_date=later(5), until_date=later(2))
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "until_date"
    over = freeze(api, org, client, from_date=later(-20), until_date=later(-1))
    assert over.status_code == 422
    no_reason = api.call(
        "POST", f"{CLIENTS}/{client['id']}/freeze", org.owner, json={"until_date": later(3)}
    )
    assert no_reason.status_code == 422
    assert no_reason.json()["errors"][0]["field"] == "reason"
    assert api.ok("GET", f"{CLIENTS}/{client['id']}", org.owner)["status"] == "active"
    assert api.events("clients.client_frozen", client["id"]) == []


def test_an_archived_client_cannot_be_frozen_or_changed_and_nothing_is_half_written(
    api: Api,
) -> None:
    org = api.organisation()
    client = api.client_of(org)
    archived = api.ok("POST", f"{CLIENTS}/{client['id']}/archive", org.owner)
    assert archived["status"] == "archived"
    assert archived["archived_at"]
    refused = freeze(api, org, client)
    assert refused.status_code == 409
    assert "archived client cannot be frozen" in refused.json()["detail"]
    edit = api.call(
        "PATCH",
        f"{CLIENTS}/{client['id']}",
        org.owner,
        json={"note": "x"},
        headers={"If-Match": str(archived["version"])},
    )
    assert edit.status_code == 409
    after = api.ok("GET", f"{CLIENTS}/{client['id']}", org.owner)
    assert after["version"] == archived["version"]
    assert after["status"] == "archived"
    assert api.events("clients.client_frozen", client["id"]) == []
    assert api.call("POST", f"{CLIENTS}/{client['id']}/archive", org.owner).status_code == 409


def test_archive_keeps_everything_and_restore_brings_the_client_back(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, phone="601234567")
    freeze(api, org, client)
    api.ok("POST", f"{CLIENTS}/{client['id']}/archive", org.owner)
    archive = api.ok("GET", CLIENTS, org.owner, params={"status": "archived"})["items"]
    assert [c["id"] for c in archive] == [client["id"]]
    assert archive[0]["phone"] == "+48601234567"
    assert archive[0]["frozen_until"] is None
    assert api.ok("GET", CLIENTS, org.owner)["items"] == []
    assert len(api.events("clients.client_archived", client["id"])) == 1
    restored = api.ok("POST", f"{CLIENTS}/{client['id']}/restore", org.owner)
    assert restored["status"] == "active"
    assert restored["archived_at"] is None
    assert len(api.events("clients.client_restored", client["id"])) == 1
    assert api.call("POST", f"{CLIENTS}/{client['id']}/restore", org.owner).status_code == 409


def test_a_freeze_ends_by_itself_when_its_period_is_over(api: Api) -> None:
    org = api.organisation()
    ending = api.client_of(org, first_name="Ending")
    running = api.client_of(org, first_name="Running")
    freeze(api, org, ending, until_date=later(0))
    freeze(api, org, running, until_date=later(3))
    # Time passes: the first freeze's last day was yesterday.
    api.sql(
        "UPDATE clients SET frozen_from = frozen_from - 10, frozen_until = frozen_until - 1 "
        "WHERE id = $1",
        uuid.UUID(ending["id"]),
    )
    upkeep = api.client.app.state.freeze_upkeep  # type: ignore[attr-defined]
    portal = api.client.portal
    assert portal is not None
    assert portal.call(upkeep.run_once) == 1
    assert api.ok("GET", f"{CLIENTS}/{ending['id']}", org.owner)["status"] == "active"
    assert api.ok("GET", f"{CLIENTS}/{running['id']}", org.owner)["status"] == "frozen"
    assert [e["data"]["reason"] for e in api.events("clients.client_unfrozen", ending["id"])] == [
        "period_ended"
    ]
    assert portal.call(upkeep.run_once) == 0


def test_a_scheduled_freeze_starts_by_itself_on_its_first_day(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org)
    assert freeze(api, org, client, from_date=later(2), until_date=later(9)).status_code == 200
    upkeep = api.client.app.state.freeze_upkeep  # type: ignore[attr-defined]
    portal = api.client.portal
    assert portal is not None
    assert portal.call(upkeep.run_once) == 0  # not yet
    # Time passes: the freeze's first day is today.
    api.sql(
        "UPDATE clients SET frozen_from = frozen_from - 2, frozen_until = frozen_until - 2 "
        "WHERE id = $1",
        uuid.UUID(client["id"]),
    )
    assert portal.call(upkeep.run_once) == 1
    card = api.ok("GET", f"{CLIENTS}/{client['id']}", org.owner)
    assert card["status"] == "frozen"
    assert api.events("clients.client_updated", client["id"])[-1]["data"]["status"] == "frozen"
    assert portal.call(upkeep.run_once) == 0
