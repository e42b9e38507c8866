"""Subscriptions renew by themselves and leftovers burn at expiry: once per pack and period
end (also with two jobs at once), catching up missed days but never starting a period in
the future, not while frozen, not once auto-renewal is off; the ledger stays balanced.

Every day is fixed: the app's clock for requests, the job's clock for each run."""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter
from datetime import UTC, date, datetime, time
from typing import Any

from billing_svc.domain.period_ends import (
    PeriodEndState,
    client_freeze_in,
    next_period,
    outcome_on,
)
from billing_svc.domain.periods import Freeze
from billing_svc.reminders.scheduler import run_once

from crm_contracts.events.clients import ClientArchived, ClientFrozen, ClientRestored
from crm_platform.db import Database
from crm_platform.internal_auth import Principal

from .conftest import Api, staff

MONDAY = date(2026, 1, 5)
WEEK = {"unit": "week", "count": 1}


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def set_today(api: Api, day: date) -> None:
    api.client.app.state.clock = lambda: noon(day)  # type: ignore[attr-defined]


def run_jobs(api: Api, day: date, processes: int = 1) -> None:
    """The scheduler's pass on `day`, by `processes` billing processes at once (each with a
    connection pool of its own)."""
    app = api.client.app
    outbox = app.state.outbox  # type: ignore[attr-defined]
    main: Database = app.state.database  # type: ignore[attr-defined]

    async def run() -> None:
        others = [Database(main.url, pool_size=2) for _ in range(processes - 1)]
        try:
            await asyncio.gather(
                *(run_once(db, outbox, lambda: noon(day)) for db in [main, *others])
            )
        finally:
            for db in others:
                await db.dispose()

    api.client.portal.call(run)  # type: ignore[union-attr]


def subscription(api: Api, owner: Principal, **body: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"kind": "subscription", "name": "Plan", "billing": "prepaid"}
    return api.service(owner, **(base | body))


def pack_of(api: Api, owner: Principal, client: uuid.UUID, pack: dict[str, Any]) -> Any:
    response = api.call("GET", f"/clients/{client}/packs/{pack['id']}", owner)
    assert response.status_code == 200, response.text
    return response.json()


def ledger_kinds(api: Api, owner: Principal, client: uuid.UUID) -> Counter[str]:
    items = api.call("GET", f"/clients/{client}/ledger?limit=200", owner).json()["items"]
    return Counter(e["kind"] for e in items)


def renewals(api: Api, tenant: uuid.UUID, client: uuid.UUID) -> list[dict[str, Any]]:
    events = api.events("billing.subscription_renewed", tenant)
    return [e["data"] for e in events if e["data"]["client_id"] == str(client)]


def reminders(api: Api, kind: str, tenant: uuid.UUID) -> list[tuple[str | None, str]]:
    """(invoice id, due date) of each reminder of this kind sent."""
    found = api.events(f"billing.payment_{kind}", tenant)
    return [(e["data"]["invoice_id"], e["data"]["due_on"]) for e in found]


def assert_balanced(api: Api, tenant: uuid.UUID) -> None:
    """Postings sum to zero per unit; cached balances and classes left match the postings."""
    sums = api.sql(
        "SELECT unit, sum(amount) AS total FROM ledger_postings WHERE tenant_id = $1 GROUP BY unit",
        tenant,
    )
    assert sums, "no postings"
    assert all(r["total"] == 0 for r in sums), sums
    balances = api.sql(
        "SELECT b.client_id, b.balance_minor, -coalesce(sum(p.amount), 0) AS posted "
        "FROM client_balances b LEFT JOIN ledger_postings p ON p.tenant_id = b.tenant_id "
        "AND p.unit = 'money' AND p.account = 'client:' || b.client_id::text "
        "WHERE b.tenant_id = $1 GROUP BY b.client_id, b.balance_minor",
        tenant,
    )
    assert all(r["balance_minor"] == r["posted"] for r in balances), balances
    classes = api.sql(
        "SELECT k.id, k.classes_left, coalesce(sum(p.amount), 0) AS posted FROM packs k "
        "LEFT JOIN ledger_postings p ON p.unit = 'class' AND p.account = 'pack:' || k.id::text "
        "WHERE k.tenant_id = $1 AND k.classes_left IS NOT NULL "
        "GROUP BY k.id, k.classes_left",
        tenant,
    )
    assert all(r["classes_left"] == r["posted"] for r in classes), classes


# --- the rules, without a database -------------------------------------------------------


def _state(**changes: Any) -> PeriodEndState:
    base: dict[str, Any] = {
        "kind": "subscription",
        "status": "active",
        "ends_on": date(2026, 1, 31),
        "period_unit": "month",
        "period_count": 1,
        "auto_renew": True,
        "leftover": "burn",
        "classes_left": 3,
        "client_archived": False,
        "frozen": False,
    }
    return PeriodEndState(**(base | changes))


def test_what_happens_at_the_end_of_a_period() -> None:
    feb1 = date(2026, 2, 1)
    assert outcome_on(_state(), date(2026, 1, 31)) is None  # the last day is still valid
    assert outcome_on(_state(), feb1) == "renew"
    assert outcome_on(_state(frozen=True), feb1) is None
    for stopped in ("cancelled", "refunded", "expired"):
        assert outcome_on(_state(status=stopped), feb1) is None
    assert outcome_on(_state(auto_renew=False), feb1) == "expire"
    assert outcome_on(_state(client_archived=True), feb1) == "expire"
    assert outcome_on(_state(auto_renew=False, leftover="carry"), feb1) is None
    assert outcome_on(_state(auto_renew=False, classes_left=0), feb1) is None
    assert outcome_on(_state(auto_renew=False, classes_left=None), feb1) is None
    assert outcome_on(_state(kind="pack"), feb1) == "expire"
    assert outcome_on(_state(kind="pack", frozen=True), feb1) is None
    assert next_period(date(2026, 1, 31), "month", 1) == (feb1, date(2026, 2, 28))
    assert next_period(date(2026, 1, 11), "week", 1) == (date(2026, 1, 12), date(2026, 1, 18))


def test_a_clients_freeze_meets_a_period_from_its_start() -> None:
    start, end = date(2026, 1, 12), date(2026, 1, 18)
    assert client_freeze_in(start, end, None, None) is None
    assert client_freeze_in(start, end, date(2026, 1, 1), date(2026, 1, 11)) is None
    assert client_freeze_in(start, end, date(2026, 1, 19), date(2026, 1, 20)) is None
    assert client_freeze_in(start, end, date(2026, 1, 10), date(2026, 1, 13)) == Freeze(
        start, date(2026, 1, 13)
    )
    assert client_freeze_in(start, end, date(2026, 1, 15), date(2026, 1, 25)) == Freeze(
        date(2026, 1, 15), date(2026, 1, 25)
    )


# --- the job on the database -------------------------------------------------------------


def test_prepaid_renewal_charges_once_burns_the_leftover_and_is_reminded(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    set_today(api, MONDAY)
    plan = subscription(api, owner, price_minor=10000, classes=4)
    client = uuid.uuid4()
    sold = api.sell(owner, client, service_id=plan["id"], payment_mode="paid", method="cash")
    assert (sold["ends_on"], sold["auto_renew"]) == ("2026-02-04", True)
    used = api.write(f"/clients/{client}/packs/{sold['id']}/visits", owner, {"classes": 2})
    assert used.json()["classes_left"] == 2

    run_jobs(api, date(2026, 2, 4))  # the period's last day: nothing yet
    assert renewals(api, tenant, client) == []
    run_jobs(api, date(2026, 2, 5), processes=2)
    run_jobs(api, date(2026, 2, 5))

    [renewed] = renewals(api, tenant, client)
    assert renewed["period_starts_on"] == "2026-02-05"
    assert renewed["period_ends_on"] == "2026-03-04"
    assert (renewed["due_on"], renewed["amount_minor"]) == ("2026-02-05", 10000)
    assert (renewed["classes_issued"], renewed["classes_expired"]) == (4, 2)
    after = pack_of(api, owner, client, sold)
    pack = after["pack"]
    assert (pack["ends_on"], pack["classes_left"], pack["classes_total"]) == ("2026-03-04", 4, 4)
    assert pack["status"] == "active"
    assert [h["kind"] for h in after["history"]][-2:] == ["leftover_burnt", "renewed"]
    kinds = ledger_kinds(api, owner, client)
    assert (kinds["sale"], kinds["expire"], kinds["payment"]) == (2, 1, 1)
    assert api.balance(owner, client) == -10000
    changed = [e["data"] for e in api.events("billing.pack_changed", tenant)]
    assert [(d["change"], d["classes_delta"]) for d in changed][-1] == ("extended", 2)
    # The new period's invoice is due at its start: reminded that day, overdue the next.
    assert reminders(api, "due_soon", tenant) == [(renewed["invoice_id"], "2026-02-05")]
    run_jobs(api, date(2026, 2, 6), processes=2)
    assert reminders(api, "overdue", tenant) == [(renewed["invoice_id"], "2026-02-05")]
    assert len(renewals(api, tenant, client)) == 1
    assert_balanced(api, tenant)


def test_postpaid_renewal_is_due_at_the_period_end(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    set_today(api, MONDAY)
    plan = subscription(
        api, owner, billing="postpaid", price_minor=5000, classes=None, unlimited=True, period=WEEK
    )
    client = uuid.uuid4()
    sold = api.sell(owner, client, service_id=plan["id"], payment_mode="credit")
    assert sold["ends_on"] == "2026-01-11"

    run_jobs(api, date(2026, 1, 12))
    [first] = renewals(api, tenant, client)
    assert (first["period_starts_on"], first["due_on"]) == ("2026-01-12", "2026-01-18")
    overdue = reminders(api, "overdue", tenant)
    listed = api.call("GET", f"/clients/{client}/invoices", owner).json()["items"]
    sale_invoice = next(i["id"] for i in listed if i["due_on"] == "2026-01-11")
    assert overdue == [(sale_invoice, "2026-01-11")]  # the first period, sold on credit
    assert reminders(api, "due_soon", tenant) == []
    run_jobs(api, date(2026, 1, 15))  # three days before the end
    assert reminders(api, "due_soon", tenant) == [(first["invoice_id"], "2026-01-18")]
    run_jobs(api, date(2026, 1, 19))
    second = renewals(api, tenant, client)[1]
    assert (second["period_starts_on"], second["due_on"]) == ("2026-01-19", "2026-01-25")
    assert reminders(api, "overdue", tenant)[1:] == [(first["invoice_id"], "2026-01-18")]

    invoices = api.call("GET", f"/clients/{client}/invoices", owner).json()["items"]
    assert sorted((i["due_on"], i["amount_minor"]) for i in invoices) == [
        ("2026-01-11", 5000),
        ("2026-01-18", 5000),
        ("2026-01-25", 5000),
    ]
    # Each renewal's invoice keeps its own period as data, under the plan's name alone.
    assert sorted((i["period_from"], i["period_until"], i["description"]) for i in invoices) == [
        ("2026-01-05", "2026-01-11", plan["name"]),
        ("2026-01-12", "2026-01-18", plan["name"]),
        ("2026-01-19", "2026-01-25", plan["name"]),
    ]
    issued = [e["data"] for e in api.events("billing.invoice_issued", tenant)]
    assert sorted((d["period_from"], d["period_until"]) for d in issued)[1:] == [
        ("2026-01-12", "2026-01-18"),
        ("2026-01-19", "2026-01-25"),
    ]
    comments = api.sql(
        "SELECT comment FROM ledger_entries WHERE client_id = $1 AND kind = 'sale' "
        "ORDER BY booked_on",
        client,
    )
    assert [c["comment"] for c in comments] == [
        None,
        "2026-01-12 \u2013 2026-01-18",
        "2026-01-19 \u2013 2026-01-25",
    ]
    assert ledger_kinds(api, owner, client)["sale"] == 3
    assert api.balance(owner, client) == -15000
    pack = pack_of(api, owner, client, sold)["pack"]
    assert (pack["ends_on"], pack["classes_left"]) == ("2026-01-25", None)
    assert_balanced(api, tenant)


def test_missed_days_catch_up_period_by_period_but_never_into_the_future(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    set_today(api, MONDAY)
    plan = subscription(api, owner, price_minor=3000, classes=2, period=WEEK, leftover="carry")
    client = uuid.uuid4()
    sold = api.sell(owner, client, service_id=plan["id"], payment_mode="paid", method="card")

    run_jobs(api, date(2026, 2, 2), processes=2)  # three weeks missed; a period starts today
    renewed = renewals(api, tenant, client)
    starts = [r["period_starts_on"] for r in renewed]
    assert starts == ["2026-01-12", "2026-01-19", "2026-01-26", "2026-02-02"]
    # one invoice each, due at each start: three already overdue, today's due today
    invoices = [(r["invoice_id"], r["due_on"]) for r in renewed]
    assert [d for _, d in invoices] == starts
    assert sorted(reminders(api, "overdue", tenant), key=lambda r: r[1]) == invoices[:3]
    assert reminders(api, "due_soon", tenant) == invoices[3:]
    run_jobs(api, date(2026, 2, 8))  # the current period's last day
    assert len(renewals(api, tenant, client)) == 4
    pack = pack_of(api, owner, client, sold)["pack"]
    # carried over: every period's classes stay
    assert (pack["ends_on"], pack["classes_left"], pack["classes_total"]) == ("2026-02-08", 10, 10)
    assert ledger_kinds(api, owner, client)["expire"] == 0
    run_jobs(api, date(2026, 2, 9))
    assert renewals(api, tenant, client)[-1]["period_starts_on"] == "2026-02-09"
    assert api.balance(owner, client) == -5 * 3000
    assert_balanced(api, tenant)


def test_no_renewal_while_frozen_and_the_freeze_moves_the_end(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    set_today(api, MONDAY)
    plan = subscription(api, owner, price_minor=1000, classes=None, unlimited=True, period=WEEK)
    ill, paused, away = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    packs = {
        c: api.sell(owner, c, service_id=plan["id"], payment_mode="credit")
        for c in (ill, paused, away)
    }
    # frozen while the pack runs: its end moves by the seven frozen days
    api.deliver(
        tenant,
        ClientFrozen(
            client_id=ill, from_date=date(2026, 1, 10), until_date=date(2026, 1, 16), reason="ill"
        ),
    )
    # the pack frozen after its end (which moves to the 13th) until the 14th
    frozen = api.write(
        f"/clients/{paused}/packs/{packs[paused]['id']}/freeze",
        owner,
        {"from_date": "2026-01-13", "until_date": "2026-01-14"},
    )
    assert frozen.json()["ends_on"] == "2026-01-13"
    # the client frozen after the pack ended: the pack itself was not frozen
    api.deliver(
        tenant,
        ClientFrozen(
            client_id=away, from_date=date(2026, 1, 12), until_date=date(2026, 1, 13), reason="x"
        ),
    )
    assert pack_of(api, owner, away, packs[away])["pack"]["ends_on"] == "2026-01-11"

    run_jobs(api, date(2026, 1, 12))
    run_jobs(api, date(2026, 1, 13))
    assert [renewals(api, tenant, c) for c in (ill, paused, away)] == [[], [], []]
    run_jobs(api, date(2026, 1, 14))
    # renewed once the client is no longer frozen; the freeze's days in the new period
    # move its end, as for the client's other packs
    [late] = renewals(api, tenant, away)
    assert (late["period_starts_on"], late["period_ends_on"]) == ("2026-01-12", "2026-01-18")
    assert pack_of(api, owner, away, packs[away])["pack"]["ends_on"] == "2026-01-20"
    assert renewals(api, tenant, paused) == []  # the pack is frozen today
    run_jobs(api, date(2026, 1, 15))
    assert [r["period_starts_on"] for r in renewals(api, tenant, paused)] == ["2026-01-14"]
    assert renewals(api, tenant, ill) == []
    run_jobs(api, date(2026, 1, 18))
    assert renewals(api, tenant, ill) == []
    run_jobs(api, date(2026, 1, 19))
    assert [r["period_starts_on"] for r in renewals(api, tenant, ill)] == ["2026-01-19"]
    assert_balanced(api, tenant)


def test_auto_renew_off_cancelled_or_archived_stops_renewal(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    set_today(api, MONDAY)
    plan = subscription(api, owner, price_minor=2000, classes=3, period=WEEK)
    stopped, cancelled, archived = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    packs = {
        c: api.sell(owner, c, service_id=plan["id"], payment_mode="credit")
        for c in (stopped, cancelled)
    }
    open_plan = subscription(api, owner, price_minor=2000, classes=None, unlimited=True)
    packs[archived] = api.sell(owner, archived, service_id=open_plan["id"], payment_mode="credit")
    path = f"/clients/{stopped}/packs/{packs[stopped]['id']}"
    off = {"auto_renew": False}
    assert api.call("PATCH", path, owner, json=off).status_code == 428
    stale = api.call("PATCH", path, owner, json=off, headers={"If-Match": '"0"'})
    assert stale.status_code == 412
    edited = api.call("PATCH", path, owner, json=off, headers={"If-Match": '"1"'})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["auto_renew"], edited.json()["version"]) == (False, 2)
    assert edited.json()["ends_on"] == "2026-01-11"  # validity untouched
    history = [h["kind"] for h in pack_of(api, owner, stopped, packs[stopped])["history"]]
    assert history[-1] == "auto_renew_off"
    a_pack = api.sell(owner, stopped, service_id=api.service(owner)["id"], payment_mode="none")
    refused = api.call(
        "PATCH",
        f"/clients/{stopped}/packs/{a_pack['id']}",
        owner,
        json=off,
        headers={"If-Match": '"1"'},
    )
    assert refused.status_code == 422
    sale = packs[cancelled]["sale_entry_id"]
    undone = api.write(f"/clients/{cancelled}/entries/{sale}/cancel", owner, {})
    assert undone.status_code == 201, undone.text
    # archiving turns renewal off, so restoring the client charges no missed periods
    api.deliver(tenant, ClientArchived(client_id=archived))
    gone = pack_of(api, owner, archived, packs[archived])
    assert (gone["pack"]["auto_renew"], gone["history"][-1]["kind"]) == (False, "auto_renew_off")

    run_jobs(api, date(2026, 1, 12))
    api.deliver(tenant, ClientRestored(client_id=archived))
    run_jobs(api, date(2026, 3, 2))
    assert api.events("billing.subscription_renewed", tenant) == []
    # Not renewing, a subscription ends as a pack does: its leftover burns.
    expired = pack_of(api, owner, stopped, packs[stopped])["pack"]
    assert (expired["status"], expired["classes_left"]) == ("expired", 0)
    assert pack_of(api, owner, cancelled, packs[cancelled])["pack"]["status"] == "cancelled"
    back = pack_of(api, owner, archived, packs[archived])["pack"]
    assert (back["status"], back["ends_on"]) == ("active", "2026-02-04")
    assert_balanced(api, tenant)


def test_leftover_burns_once_at_expiry_carry_stays_and_restore_returns_it(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    set_today(api, MONDAY)
    burning = api.service(owner, name="Burn", classes=8, period=WEEK)
    carrying = api.service(owner, name="Carry", classes=8, period=WEEK, leftover="carry")
    client = uuid.uuid4()
    burn = api.sell(owner, client, service_id=burning["id"], payment_mode="paid", method="cash")
    carry = api.sell(owner, client, service_id=carrying["id"], payment_mode="none")
    api.write(f"/clients/{client}/packs/{burn['id']}/visits", owner, {"classes": 3})

    run_jobs(api, date(2026, 1, 11))
    assert pack_of(api, owner, client, burn)["pack"]["classes_left"] == 5
    run_jobs(api, date(2026, 1, 12), processes=2)
    run_jobs(api, date(2026, 1, 13))
    entries = api.call("GET", f"/clients/{client}/ledger", owner).json()["items"]
    expired = [
        (e["pack_id"], e["classes"], e["booked_on"]) for e in entries if e["kind"] == "expire"
    ]
    assert expired == [(burn["id"], 5, "2026-01-12")]
    after = pack_of(api, owner, client, burn)
    assert (after["pack"]["status"], after["pack"]["classes_left"]) == ("expired", 0)
    assert after["history"][-1]["kind"] == "expired"
    changes = [e["data"] for e in api.events("billing.pack_changed", tenant)]
    assert [(d["pack_id"], d["classes_delta"]) for d in changes if d["change"] == "expired"] == [
        (burn["id"], -5)
    ]
    kept = pack_of(api, owner, client, carry)["pack"]
    assert (kept["status"], kept["classes_left"]) == ("active", 8)

    set_today(api, date(2026, 1, 13))
    restored = api.write(
        f"/clients/{client}/packs/{burn['id']}/restore", owner, {"ends_on": "2026-01-20"}
    )
    assert restored.status_code == 200, restored.text
    assert (restored.json()["status"], restored.json()["classes_left"]) == ("active", 5)
    run_jobs(api, date(2026, 1, 21))  # ends again: burns again, once
    run_jobs(api, date(2026, 1, 22))
    assert ledger_kinds(api, owner, client)["expire"] == 2
    assert pack_of(api, owner, client, burn)["pack"]["classes_left"] == 0
    assert_balanced(api, tenant)


def test_restore_returns_classes_burnt_at_expiry_not_at_renewal(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    set_today(api, MONDAY)
    plan = subscription(api, owner, price_minor=1000, classes=2, period=WEEK)
    client = uuid.uuid4()
    sold = api.sell(owner, client, service_id=plan["id"], payment_mode="credit")
    run_jobs(api, date(2026, 1, 12))  # renewed: the first period's 2 classes burn
    path = f"/clients/{client}/packs/{sold['id']}"
    version = pack_of(api, owner, client, sold)["pack"]["version"]
    off = api.call(
        "PATCH", path, owner, json={"auto_renew": False}, headers={"If-Match": f'"{version}"'}
    )
    assert off.status_code == 200, off.text
    run_jobs(api, date(2026, 1, 19))  # expired: the second period's 2 classes burn
    assert pack_of(api, owner, client, sold)["pack"]["status"] == "expired"
    assert ledger_kinds(api, owner, client)["expire"] == 2

    set_today(api, date(2026, 1, 19))
    restored = api.write(path + "/restore", owner, {"ends_on": "2026-01-31"})
    assert restored.status_code == 200, restored.text
    assert (restored.json()["classes_left"], restored.json()["status"]) == (2, "active")
    assert_balanced(api, tenant)


def test_a_renewal_staff_undid_is_not_made_again(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    set_today(api, MONDAY)
    plan = subscription(api, owner, price_minor=1000, classes=None, unlimited=True, period=WEEK)
    client = uuid.uuid4()
    sold = api.sell(owner, client, service_id=plan["id"], payment_mode="credit")
    run_jobs(api, date(2026, 1, 12))
    [renewed] = renewals(api, tenant, client)
    # the client had left: staff cancel the charge and move the end back
    set_today(api, date(2026, 1, 12))
    undone = api.write(f"/clients/{client}/entries/{renewed['entry_id']}/cancel", owner, {})
    assert undone.status_code == 201, undone.text
    path = f"/clients/{client}/packs/{sold['id']}"
    version = pack_of(api, owner, client, sold)["pack"]["version"]
    back = api.call(
        "PATCH", path, owner, json={"ends_on": "2026-01-11"}, headers={"If-Match": f'"{version}"'}
    )
    assert back.status_code == 200, back.text
    run_jobs(api, date(2026, 1, 13), processes=2)
    assert len(renewals(api, tenant, client)) == 1
    assert pack_of(api, owner, client, sold)["pack"]["ends_on"] == "2026-01-11"
    assert api.balance(owner, client) == -1000
    assert_balanced(api, tenant)


def test_a_subscription_that_renews_is_not_announced_as_expiring(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    set_today(api, MONDAY)
    plan = subscription(api, owner, price_minor=2000, classes=3, period=WEEK)
    renewing, stopping = uuid.uuid4(), uuid.uuid4()
    packs = {
        c: api.sell(owner, c, service_id=plan["id"], payment_mode="paid", method="cash")
        for c in (renewing, stopping)
    }
    path = f"/clients/{stopping}/packs/{packs[stopping]['id']}"
    off = api.call("PATCH", path, owner, json={"auto_renew": False}, headers={"If-Match": '"1"'})
    assert off.status_code == 200, off.text
    friday = date(2026, 1, 9)  # the week ends on Sunday: within the lead time of 3 days
    set_today(api, friday)
    run_jobs(api, friday)
    expiring = [e["data"]["pack_id"] for e in api.events("billing.pack_expiring", tenant)]
    assert expiring == [packs[stopping]["id"]]


def test_an_extension_on_credit_is_due_at_its_own_period_and_paid_for_by_its_own_money(
    api: Api,
) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    set_today(api, MONDAY)
    plan = subscription(api, owner, price_minor=2000, classes=3, period=WEEK)
    client = uuid.uuid4()
    pack = api.sell(owner, client, service_id=plan["id"], payment_mode="credit")
    paid = api.write(
        f"/clients/{client}/payments",
        owner,
        {
            "amount_minor": 2000,
            "method": "cash",
            "allocations": [{"pack_id": pack["id"], "amount_minor": 2000}],
        },
    )
    assert paid.status_code == 201, paid.text
    extended = api.write(
        f"/clients/{client}/packs/{pack['id']}/extend", owner, {"payment_mode": "credit"}
    )
    assert extended.status_code == 200, extended.text
    assert extended.json()["ends_on"] == "2026-01-18"
    listed = api.call("GET", f"/clients/{client}/invoices", owner).json()["items"]
    assert sorted((i["period_from"], i["period_until"]) for i in listed) == [
        ("2026-01-05", "2026-01-11"),
        ("2026-01-12", "2026-01-18"),  # the extension's own week
    ]
    due = api.sql(
        "SELECT due_on, amount_minor FROM due_items WHERE pack_id = $1 ORDER BY id",
        uuid.UUID(pack["id"]),
    )
    assert [(d["due_on"], d["amount_minor"]) for d in due] == [
        (MONDAY, 2000),
        (date(2026, 1, 12), 2000),  # the next week's start, prepaid
    ]
    run_jobs(api, MONDAY)  # the first week is paid; the second is not due yet
    assert api.events("billing.payment_overdue", tenant) == []
    tuesday = date(2026, 1, 13)
    set_today(api, tuesday)
    run_jobs(api, tuesday)
    overdue = [e["data"] for e in api.events("billing.payment_overdue", tenant)]
    assert [(d["due_on"], d["amount_minor"]) for d in overdue] == [("2026-01-12", 2000)]


def test_a_renewed_subscription_is_reminded_of_few_classes_again_in_its_next_period(
    api: Api,
) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    set_today(api, MONDAY)
    plan = subscription(api, owner, price_minor=2000, classes=4, period=WEEK)
    client = uuid.uuid4()
    sold = api.sell(owner, client, service_id=plan["id"], payment_mode="paid", method="cash")
    path = f"/clients/{client}/packs/{sold['id']}/visits"
    assert api.write(path, owner, {"classes": 3}).status_code == 200
    run_jobs(api, MONDAY, processes=2)
    run_jobs(api, MONDAY)

    def low() -> list[tuple[str, int]]:
        return [
            (e["data"]["ends_on"], e["data"]["classes_left"])
            for e in api.events("billing.pack_running_low", tenant)
        ]

    assert low() == [("2026-01-11", 1)]  # once in the first week
    next_monday = date(2026, 1, 12)
    set_today(api, next_monday)
    run_jobs(api, next_monday)  # renewed: four classes again
    assert pack_of(api, owner, client, sold)["pack"]["classes_left"] == 4
    assert api.write(path, owner, {"classes": 2}).status_code == 200
    run_jobs(api, next_monday, processes=2)
    run_jobs(api, next_monday)
    assert low() == [("2026-01-11", 1), ("2026-01-18", 2)]  # and once in the second
