"""Debt at the end of earlier months, as it was then: payments, charges, a cancellation made in
a later month, and entries booked into a month after its snapshot was taken (a backdated
payment, a late attendance mark), read live and from the snapshot alike.

Every day is fixed: the app's clock for requests, the job's clock for each run."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Any

from billing_svc.domain.month_ends import last_closed_month, month_end
from billing_svc.reports.month_ends import snapshot_debts_once

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.clients import ClientRegistered
from crm_contracts.events.journal import AttendanceMarked, GroupCreated
from crm_contracts.registry import EventPayload
from crm_platform.internal_auth import Principal

from .conftest import Api, staff

MARCH, APRIL, MAY = date(2026, 3, 1), date(2026, 4, 1), date(2026, 5, 1)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


def set_today(api: Api, day: date) -> None:
    api.client.app.state.clock = lambda: noon(day)  # type: ignore[attr-defined]


def take_snapshots(api: Api, day: date) -> int:
    database = api.client.app.state.database  # type: ignore[attr-defined]
    taken: int = api.client.portal.call(snapshot_debts_once, database, lambda: noon(day))  # type: ignore[union-attr]
    return taken


def deliver_at(api: Api, tenant: uuid.UUID, at: datetime, payload: EventPayload) -> None:
    api.deliver_envelopes(
        [
            EventEnvelope(
                type=payload.event_type,
                source="test",
                tenant_id=tenant,
                subject="s",
                time=at,
                data=payload.model_dump(mode="json"),
            )
        ]
    )


def pay(api: Api, owner: Principal, client: uuid.UUID, amount: int, **body: Any) -> str:
    response = api.write(
        f"/clients/{client}/payments", owner, {"amount_minor": amount, "method": "cash"} | body
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def cancel(api: Api, owner: Principal, client: uuid.UUID, entry_id: str) -> None:
    response = api.write(f"/clients/{client}/entries/{entry_id}/cancel", owner, {})
    assert response.status_code == 201, response.text


def monthly(api: Api, caller: Principal, month: date, earlier: int) -> dict[str, Any]:
    response = api.call("GET", f"/reports/monthly?month={month}&earlier_months={earlier}", caller)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def debts(report: dict[str, Any]) -> dict[str, tuple[int, int]]:
    """(debt, clients in debt) at the end of each earlier month."""
    return {m["month"]: (m["debt_minor"], m["clients_in_debt"]) for m in report["earlier"]}


def test_snapshots_are_due_a_day_after_the_month_and_a_margin() -> None:
    assert last_closed_month(noon(date(2026, 4, 1))) == date(2026, 2, 1)
    assert last_closed_month(datetime(2026, 4, 2, 0, 5, tzinfo=UTC)) == date(2026, 2, 1)
    assert last_closed_month(datetime(2026, 4, 2, 0, 15, tzinfo=UTC)) == MARCH
    assert month_end(date(2028, 2, 1)) == date(2028, 2, 29)


def test_earlier_months_debt_is_what_it_was_then(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    north, south = uuid.uuid4(), uuid.uuid4()
    a, b, c, d, e = (uuid.uuid4() for _ in range(5))
    for client, branch in ((a, north), (b, north), (c, south), (d, south), (e, south)):
        api.deliver(
            tenant,
            ClientRegistered(client_id=client, first_name="F", last_name="L", branch_id=branch),
        )
    group = uuid.uuid4()
    api.deliver(tenant, GroupCreated(group_id=group, branch_id=south, name="Choir"))
    api.service(
        owner, kind="one_time", name="Single", price_minor=15_000, period=None, classes=None
    )
    course = api.service(owner, freestyle=True)["id"]

    def sell_on_credit(client: uuid.UUID, price: int) -> str:
        sold = api.sell(owner, client, service_id=course, payment_mode="credit", price_minor=price)
        return str(sold["sale_entry_id"])

    # March: what really happened.
    set_today(api, date(2026, 3, 5))
    sell_on_credit(e, 9_000)
    set_today(api, date(2026, 3, 10))
    sell_on_credit(a, 40_000)
    set_today(api, date(2026, 3, 12))
    pay(api, owner, a, 15_000)
    set_today(api, date(2026, 3, 15))
    sell_on_credit(b, 20_000)
    pay(api, owner, b, 5_000)
    pay(api, owner, c, 10_000)  # paid ahead: not in debt
    set_today(api, date(2026, 3, 20))
    d_sale = sell_on_credit(d, 12_000)
    set_today(api, date(2026, 3, 28))
    e_payment = pay(api, owner, e, 9_000)

    # April: cancellations of March entries, booked when cancelled.
    set_today(api, date(2026, 4, 1))
    cancel(api, owner, e, e_payment)
    # March's end read live (no snapshot yet), the day after it ended.
    march_then = {str(MARCH): (25_000 + 15_000 + 12_000, 3), "2026-02-01": (0, 0)}
    assert debts(monthly(api, owner, APRIL, 2)) == march_then
    set_today(api, date(2026, 4, 5))
    cancel(api, owner, d, d_sale)
    assert take_snapshots(api, date(2026, 4, 6)) >= 1
    report = monthly(api, owner, APRIL, 2)
    assert debts(report) == march_then
    assert report["debt_now_minor"] == report["month_end_debt_minor"] == 25_000 + 15_000 + 9_000

    # April 10: entries booked into March after its snapshot was taken.
    set_today(api, date(2026, 4, 10))
    pay(api, owner, a, 4_000, paid_on="2026-03-30")
    mark = AttendanceMarked(
        mark_id=uuid.uuid4(),
        lesson_id=uuid.uuid4(),
        group_id=group,
        branch_id=south,
        client_id=c,
        lesson_date=date(2026, 3, 31),
        status="attended",
    )
    deliver_at(api, tenant, noon(date(2026, 4, 10)), mark)
    assert api.balance(owner, c) == 10_000 - 15_000
    # A owes 40,000 - 15,000 - 4,000; B 15,000; C 5,000; D 12,000 (cancelled in April); E
    # nothing (its payment was cancelled in April).
    march = (21_000 + 15_000 + 5_000 + 12_000, 4)
    assert debts(monthly(api, owner, APRIL, 2))[str(MARCH)] == march

    # May: April is snapshotted too; March reads the same from its snapshot.
    set_today(api, date(2026, 5, 15))
    april = (21_000 + 15_000 + 5_000 + 9_000, 4)
    live = debts(monthly(api, owner, MAY, 3))
    assert take_snapshots(api, date(2026, 5, 15)) >= 1
    report = monthly(api, owner, MAY, 3)
    assert (
        debts(report)
        == live
        == {
            str(APRIL): april,
            str(MARCH): march,
            "2026-02-01": (0, 0),
        }
    )
    assert take_snapshots(api, date(2026, 5, 15)) == 0  # once per organisation and month

    # A month's own end, and by home branch; an admin of the north branch sees only it.
    report = monthly(api, owner, MARCH, 0)
    assert (report["month_end_debt_minor"], report["month_end_clients_in_debt"]) == march
    owed = {f["id"]: f["debt_minor"] for f in report["by_branch"] if f["debt_minor"]}
    assert owed == {str(north): 21_000 + 15_000, str(south): 5_000 + 12_000}
    admin = staff(tenant, role="admin", branch_ids=frozenset({north}))
    assert debts(monthly(api, admin, MAY, 2)) == {
        str(APRIL): (36_000, 2),
        str(MARCH): (36_000, 2),
    }
