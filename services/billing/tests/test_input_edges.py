"""Bad input at the edges is a 422 naming the field, never a 500: dates outside the
supported range (1900-01-01 to 2200-12-31), numbers where dates or integers belong."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from .conftest import Api, staff


def refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.text


@pytest.mark.parametrize("month", ["0001-01-01", "9999-12-01", "0", "2026-05"])
def test_the_monthly_report_refuses_a_month_outside_the_range(api: Api, month: str) -> None:
    owner = staff(api.organisation())
    refused(api.call("GET", f"/reports/monthly?month={month}", owner), "month")


@pytest.mark.parametrize("query", ["to_date=0", "from_date=1", "from_date=0001-01-01"])
def test_lists_refuse_numbers_and_far_dates_as_dates(api: Api, query: str) -> None:
    owner = staff(api.organisation())
    refused(api.call("GET", f"/reports/packs?{query}", owner), query.split("=")[0])


def test_writes_refuse_dates_outside_the_range(api: Api) -> None:
    owner = staff(api.organisation())
    client = uuid.uuid4()
    service = api.service(owner)["id"]
    far = api.write(
        f"/clients/{client}/packs",
        owner,
        {"service_id": service, "payment_mode": "none", "starts_on": "9999-12-01"},
    )
    refused(far, "starts_on")
    credit = api.write(
        f"/clients/{client}/packs",
        owner,
        {"service_id": service, "payment_mode": "credit", "due_on": "0001-01-01"},
    )
    refused(credit, "due_on")
    invoice = api.write(
        f"/clients/{client}/invoices",
        owner,
        {"amount_minor": 100, "due_on": "0001-01-01", "description": "May"},
    )
    refused(invoice, "due_on")
    pack = api.sell(owner, client, service_id=service, payment_mode="none")
    frozen = api.write(
        f"/clients/{client}/packs/{pack['id']}/freeze",
        owner,
        {"from_date": "2026-01-01", "until_date": "9999-12-31"},
    )
    refused(frozen, "until_date")
    assert api.sql("SELECT 1 FROM invoices WHERE client_id = $1", client) == []


@pytest.mark.parametrize("amount", ['"100"', "true", "100.0"])
def test_money_is_a_json_integer_on_either_payment_route(api: Api, amount: str) -> None:
    owner = staff(api.organisation())
    client = uuid.uuid4()
    body = f'{{"amount_minor": {amount}, "method": "cash"}}'.encode()
    for spelt in (str(client), str(client).upper()):  # the fast route and its twin
        response = api.call(
            "POST",
            f"/clients/{spelt}/payments",
            owner,
            content=body,
            headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
        )
        refused(response, "amount_minor")
    assert api.balance(owner, client) == 0


def test_counts_are_json_integers_and_names_hold_no_control_characters(api: Api) -> None:
    owner = staff(api.organisation())
    base = {"kind": "pack", "name": "Singing", "price_minor": 100}
    refused(api.call("POST", "/catalogue", owner, json=base | {"classes": "8"}), "classes")
    refused(
        api.call("POST", "/catalogue", owner, json=base | {"classes": 8, "name": "Sing\u0000ing"}),
        "name",
    )
    assert api.call("GET", "/catalogue", owner).json()["items"] == []


def test_a_pack_is_never_sold_or_extended_past_the_range(api: Api) -> None:
    """A period ending after 2200-12-31 is refused naming it: one sold near the end of the
    range, or extended again and again by the longest period (until past year 9999: a 500
    once), never ends outside it."""
    owner = staff(api.organisation())
    client = uuid.uuid4()
    service = api.service(owner, period={"unit": "month", "count": 120})["id"]
    late = {"service_id": service, "payment_mode": "none", "starts_on": "2195-01-01"}
    refused(api.write(f"/clients/{client}/packs", owner, late), "period")
    pack = api.sell(owner, client, service_id=service, payment_mode="none")
    extend = f"/clients/{client}/packs/{pack['id']}/extend"
    longest = {"payment_mode": "none", "period": {"unit": "month", "count": 3650}}
    answers = [api.write(extend, owner, longest) for _ in range(30)]
    assert all(a.status_code in (200, 422) for a in answers), [a.text for a in answers]
    refused(answers[-1], "period")
    decade = [api.write(extend, owner, {"payment_mode": "none"}) for _ in range(20)]
    assert [a.status_code for a in decade].count(200) >= 10  # 2036 ... 2196
    refused(decade[-1], "period")
    (row,) = api.sql("SELECT ends_on FROM packs WHERE id = $1", uuid.UUID(pack["id"]))
    assert 2190 <= row["ends_on"].year <= 2200
