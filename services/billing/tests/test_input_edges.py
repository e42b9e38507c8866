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
