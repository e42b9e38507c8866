"""Invoices: a sale on credit (or a subscription period) with a due date issues one, its
reminders name it, the pack's own payments pay it; POST .../invoices replays a retry with the
same Idempotency-Key instead of issuing a second invoice."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from .conftest import Api, staff
from .test_renewals import reminders, run_jobs, set_today

TODAY = date(2026, 3, 2)


def invoices(api: Api, owner: Any, client: uuid.UUID) -> list[dict[str, Any]]:
    answer = api.call("GET", f"/clients/{client}/invoices", owner)
    assert answer.status_code == 200, answer.text
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def test_a_credit_sale_with_a_due_date_issues_an_invoice_its_reminders_name(api: Api) -> None:
    tenant = api.organisation()
    owner, client = staff(tenant), uuid.uuid4()
    set_today(api, TODAY)
    pack = api.service(owner, name="Guitar x 4", price_minor=20000, classes=4)
    sold = api.sell(
        owner, client, service_id=pack["id"], payment_mode="credit", due_on="2026-03-10"
    )
    [invoice] = invoices(api, owner, client)
    assert invoice["pack_id"] == sold["id"]
    assert (invoice["amount_minor"], invoice["due_on"]) == (20000, "2026-03-10")
    assert invoice["status"] == "open"
    # The period is data; the description is the pack's name, in no language.
    assert invoice["description"] == "Guitar x 4"
    assert (invoice["period_from"], invoice["period_until"]) == ("2026-03-02", sold["ends_on"])
    assert sold["ends_on"] is not None
    issued = api.events("billing.invoice_issued", tenant)
    assert [e["data"]["invoice_id"] for e in issued] == [invoice["id"]]
    assert issued[0]["data"]["period_from"] == "2026-03-02"
    assert issued[0]["data"]["period_until"] == sold["ends_on"]

    run_jobs(api, date(2026, 3, 8))
    assert reminders(api, "due_soon", tenant) == [(invoice["id"], "2026-03-10")]
    run_jobs(api, date(2026, 3, 11))
    assert reminders(api, "overdue", tenant) == [(invoice["id"], "2026-03-10")]
    set_today(api, date(2026, 3, 11))
    assert invoices(api, owner, client)[0]["status"] == "overdue"


def test_the_packs_own_payment_pays_its_invoice_and_a_cancel_reopens_it(api: Api) -> None:
    tenant = api.organisation()
    owner, client = staff(tenant), uuid.uuid4()
    set_today(api, TODAY)
    pack = api.service(owner, name="Piano x 8", price_minor=30000)
    sold = api.sell(owner, client, service_id=pack["id"], payment_mode="credit")
    [invoice] = invoices(api, owner, client)
    assert invoice["due_on"] == "2026-03-02"  # no due date given: due at the start
    half = {"amount_minor": 10000, "method": "cash"}
    first = api.write(
        f"/clients/{client}/payments",
        owner,
        half | {"allocations": [{"pack_id": sold["id"], "amount_minor": 10000}]},
    )
    assert first.status_code == 201, first.text
    assert invoices(api, owner, client)[0]["paid_minor"] == 10000
    rest = api.write(
        f"/clients/{client}/payments",
        owner,
        {
            "amount_minor": 20000,
            "method": "card",
            "allocations": [{"pack_id": sold["id"], "amount_minor": 20000}],
        },
    )
    assert invoices(api, owner, client)[0]["status"] == "paid"
    run_jobs(api, date(2026, 3, 5))
    assert reminders(api, "overdue", tenant) == []  # settled: no reminder
    api.write(f"/clients/{client}/entries/{rest.json()['id']}/cancel", owner, {})
    reopened = invoices(api, owner, client)[0]
    assert (reopened["status"], reopened["paid_minor"]) == ("open", 10000)


def test_a_paid_sale_or_a_free_one_issues_no_invoice(api: Api) -> None:
    tenant = api.organisation()
    owner, client = staff(tenant), uuid.uuid4()
    pack = api.service(owner, price_minor=20000)
    free = api.service(owner, name="Trial", price_minor=0)
    api.sell(owner, client, service_id=pack["id"], payment_mode="paid", method="cash")
    api.sell(owner, client, service_id=free["id"], payment_mode="credit")
    api.sell(owner, client, service_id=pack["id"], payment_mode="none")
    assert invoices(api, owner, client) == []


def test_a_retried_invoice_with_the_same_key_is_issued_once(api: Api) -> None:
    tenant = api.organisation()
    owner, client = staff(tenant), uuid.uuid4()
    body = {"amount_minor": 5000, "due_on": "2030-01-01", "description": "January"}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    path = f"/clients/{client}/invoices"
    first = api.call("POST", path, owner, json=body, headers=key)
    again = api.call("POST", path, owner, json=body, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert [i["id"] for i in invoices(api, owner, client)] == [first.json()["id"]]
    other = api.call("POST", path, owner, json=body | {"amount_minor": 6000}, headers=key)
    assert other.status_code == 409
    bad = api.call("POST", path, owner, json=body, headers={"Idempotency-Key": "x" * 300})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(invoices(api, owner, client)) == 1


def test_one_invoice_and_the_list_by_client_and_due_date(api: Api) -> None:
    tenant = api.organisation()
    owner, ada, bob = staff(tenant), uuid.uuid4(), uuid.uuid4()
    issued = {}
    for client, due_on in ((ada, "2030-01-10"), (ada, "2030-02-10"), (bob, "2030-01-20")):
        answer = api.write(
            f"/clients/{client}/invoices",
            owner,
            {"amount_minor": 5000, "due_on": due_on, "description": f"Due {due_on}"},
        )
        assert answer.status_code == 201, answer.text
        issued[(client, due_on)] = answer.json()["id"]
    first = issued[(ada, "2030-01-10")]
    one = api.call("GET", f"/clients/{ada}/invoices/{first}", owner)
    assert one.status_code == 200, one.text
    assert (one.json()["description"], one.json()["status"]) == ("Due 2030-01-10", "open")
    # another client's path, or another organisation, does not find it
    assert api.call("GET", f"/clients/{bob}/invoices/{first}", owner).status_code == 404
    stranger = staff(api.organisation())
    assert api.call("GET", f"/clients/{ada}/invoices/{first}", stranger).status_code == 404

    def listed(**query: str) -> set[str]:
        answer = api.call("GET", "/invoices", owner, params=query)
        assert answer.status_code == 200, answer.text
        return {i["id"] for i in answer.json()["items"]}

    assert listed(client_id=str(ada)) == {first, issued[(ada, "2030-02-10")]}
    assert listed(due_from="2030-01-15", due_to="2030-01-31") == {issued[(bob, "2030-01-20")]}
    assert listed(client_id=str(ada), due_to="2030-01-31") == {first}
    assert listed(client_id=str(ada), due_from="2030-03-01") == set()
    assert api.call("GET", "/invoices", stranger, params={"client_id": str(ada)}).json() == {
        "items": [],
        "next_cursor": None,
    }
    bad = api.call("GET", "/invoices", owner, params={"due_from": "2030-13-01"})
    assert bad.status_code == 422
