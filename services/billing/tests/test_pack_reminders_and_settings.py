"""Pack reminders (about to expire, few classes left: once per pack and condition, none while
frozen) and the organisation's billing settings (owner and admin, If-Match)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, timedelta

from billing_svc.domain.pack_notices import PackState, pack_notices_due
from billing_svc.reminders.scheduler import run_once

from crm_contracts.events.clients import ClientFrozen

from .conftest import Api, org_today, staff
from .test_packs import left, mark


def _state(**changes: object) -> PackState:
    base: dict[str, object] = {
        "active": True,
        "starts_on": date(2026, 1, 1),
        "ends_on": date(2026, 1, 31),
        "classes_total": 8,
        "classes_left": 5,
        "frozen": False,
        "expiring_sent": False,
        "running_low_sent": False,
    }
    return PackState(**(base | changes))  # type: ignore[arg-type]


def test_pack_notice_rules() -> None:
    assert pack_notices_due(_state(), date(2026, 1, 27), 3) == []
    assert pack_notices_due(_state(), date(2026, 1, 28), 3) == ["expiring"]
    assert pack_notices_due(_state(), date(2026, 1, 31), 3) == ["expiring"]
    assert pack_notices_due(_state(), date(2026, 2, 1), 3) == []  # expired: no reminder
    assert pack_notices_due(_state(classes_left=2), date(2026, 1, 10), 3) == ["running_low"]
    assert pack_notices_due(_state(classes_left=3), date(2026, 1, 10), 3) == []
    assert pack_notices_due(_state(classes_total=2, classes_left=2), date(2026, 1, 10), 3) == []
    assert pack_notices_due(
        _state(classes_total=None, classes_left=None), date(2026, 1, 29), 3
    ) == ["expiring"]
    both = _state(classes_left=0)
    assert pack_notices_due(both, date(2026, 1, 30), 3) == ["expiring", "running_low"]
    assert pack_notices_due(_state(frozen=True, classes_left=0), date(2026, 1, 30), 3) == []
    assert pack_notices_due(_state(active=False, classes_left=0), date(2026, 1, 30), 3) == []
    sent = _state(classes_left=0, expiring_sent=True, running_low_sent=True)
    assert pack_notices_due(sent, date(2026, 1, 30), 3) == []
    assert pack_notices_due(_state(starts_on=date(2026, 1, 31)), date(2026, 1, 30), 3) == []
    renewing = _state(renews=True, classes_left=1)
    assert pack_notices_due(renewing, date(2026, 1, 30), 3) == ["running_low"]


def _run_twice(api: Api) -> None:
    app = api.client.app
    database, outbox, clock = app.state.database, app.state.outbox, app.state.clock  # type: ignore[attr-defined]

    async def twice() -> list[int]:
        return list(await asyncio.gather(*(run_once(database, outbox, clock) for _ in range(2))))

    api.client.portal.call(twice)  # type: ignore[union-attr]


def test_pack_reminders_once_each_and_none_while_frozen(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    weekly = api.service(owner, name="Week pass", classes=8, period={"unit": "week", "count": 1})
    monthly = api.service(owner, name="Month pass", classes=8)
    today = org_today()
    ending, using, frozen = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # ends in 3 days: within the default lead time of 3
    ends_soon = api.sell(
        owner,
        ending,
        service_id=weekly["id"],
        payment_mode="paid",
        method="cash",
        starts_on=str(today - timedelta(days=3)),
    )
    in_use = api.sell(owner, using, service_id=monthly["id"], payment_mode="paid", method="card")
    frozen_pack = api.sell(
        owner,
        frozen,
        service_id=weekly["id"],
        payment_mode="paid",
        method="cash",
        starts_on=str(today - timedelta(days=3)),
    )
    api.deliver(
        tenant,
        ClientFrozen(
            client_id=frozen,
            from_date=today - timedelta(days=1),
            until_date=today + timedelta(days=1),
            reason="illness",
        ),
    )
    # five classes used: three left, not yet "few"
    visit = api.write(f"/clients/{using}/packs/{in_use['id']}/visits", owner, {"classes": 5})
    assert visit.status_code == 200, visit.text
    _run_twice(api)
    expiring = [e["data"] for e in api.events("billing.pack_expiring", tenant)]
    assert [(d["pack_id"], d["client_id"]) for d in expiring] == [(ends_soon["id"], str(ending))]
    assert expiring[0]["ends_on"] == ends_soon["ends_on"]
    assert api.events("billing.pack_running_low", tenant) == []

    # one more class used: two left -> running low, once
    visit = api.write(f"/clients/{using}/packs/{in_use['id']}/visits", owner, {"classes": 1})
    assert visit.status_code == 200, visit.text
    _run_twice(api)
    _run_twice(api)
    low = [e["data"] for e in api.events("billing.pack_running_low", tenant)]
    assert [(d["pack_id"], d["classes_left"]) for d in low] == [(in_use["id"], 2)]
    assert len(api.events("billing.pack_expiring", tenant)) == 1
    # the frozen client's pack (its end moved by the freeze) was never reminded about
    reminded = {e["data"]["pack_id"] for e in api.events("billing.pack_expiring", tenant)}
    assert frozen_pack["id"] not in reminded


def test_settings_need_owner_or_admin_and_the_version(api: Api) -> None:
    tenant = api.organisation()
    owner, admin = staff(tenant), staff(tenant, "admin")
    accountant, teacher = staff(tenant, "accountant"), staff(tenant, "teacher")
    read = api.call("GET", "/settings", accountant)
    assert read.status_code == 200, read.text
    assert read.json() == {
        "absence_uses_class": False,
        "reminder_lead_days": 3,
        "currency": "PLN",
        "time_zone": "Europe/Warsaw",
        "version": 1,
    }
    assert read.headers["ETag"] == '"1"'
    body = {"absence_uses_class": True, "reminder_lead_days": 7}
    assert api.call("PATCH", "/settings", owner, json=body).status_code == 428
    refused = api.call("PATCH", "/settings", accountant, json=body, headers={"If-Match": '"1"'})
    assert refused.status_code == 403
    refused = api.call("PATCH", "/settings", teacher, json=body, headers={"If-Match": '"1"'})
    assert refused.status_code == 403
    bad = api.call(
        "PATCH",
        "/settings",
        owner,
        json={"reminder_lead_days": -1, "colour": "red"},
        headers={"If-Match": '"1"'},
    )
    assert bad.status_code == 422
    fields = {e["field"] for e in bad.json()["errors"]}
    assert {"reminder_lead_days", "colour"} <= fields, bad.json()
    changed = api.call("PATCH", "/settings", admin, json=body, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.json()["absence_uses_class"] is True
    assert changed.json()["reminder_lead_days"] == 7
    assert changed.json()["version"] == 2
    stale = api.call(
        "PATCH", "/settings", owner, json={"reminder_lead_days": 1}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert api.call("GET", "/settings", owner).json()["reminder_lead_days"] == 7
    # another organisation's settings are its own
    other = api.organisation()
    assert api.call("GET", "/settings", staff(other)).json()["reminder_lead_days"] == 3


def test_the_lead_time_moves_open_reminders(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    plan = api.service(
        owner,
        kind="subscription",
        name="Plan",
        classes=None,
        unlimited=True,
        billing="prepaid",
    )
    client = uuid.uuid4()
    starts = org_today() + timedelta(days=6)
    api.sell(owner, client, service_id=plan["id"], payment_mode="credit", starts_on=str(starts))
    _run_twice(api)
    assert api.events("billing.payment_due_soon", tenant) == []  # 6 days ahead, lead 3
    changed = api.call(
        "PATCH", "/settings", owner, json={"reminder_lead_days": 7}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    _run_twice(api)
    soon = [e["data"] for e in api.events("billing.payment_due_soon", tenant)]
    assert [(d["client_id"], d["due_on"]) for d in soon] == [(str(client), str(starts))]


def test_unexcused_absence_uses_a_class_once_the_setting_says_so(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    group, client = uuid.uuid4(), uuid.uuid4()
    pack = api.sell(owner, client, service_id=api.service(owner)["id"], payment_mode="none")
    api.deliver_envelopes([mark(tenant, client, group, "absent")])
    assert left(api, owner, client, pack) == 8
    changed = api.call(
        "PATCH", "/settings", owner, json={"absence_uses_class": True}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    api.deliver_envelopes([mark(tenant, client, group, "absent")])
    assert left(api, owner, client, pack) == 7
