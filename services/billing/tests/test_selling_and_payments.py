"""Catalogue, selling in the three payment modes, payments, cancellation by reversal,
balances and Idempotency-Key, through the API on a real database."""

from __future__ import annotations

import uuid

from .conftest import Api, staff


def test_catalogue_validates_kinds_and_versions(api: Api) -> None:
    owner = staff(api.organisation())
    lesson = api.service(
        owner, kind="one_time", name="Singing lesson", price_minor=6000, period=None, classes=None
    )
    assert (lesson["classes"], lesson["currency"]) == (1, "PLN")
    pack = api.service(
        owner, name="Singing x 8", classes=None, items=[{"service_id": lesson["id"], "quantity": 8}]
    )
    assert pack["classes"] == 8
    bad = api.call(
        "POST", "/catalogue", owner, json={"kind": "subscription", "name": "x", "price_minor": 1}
    )
    assert bad.status_code == 422
    assert "period" in bad.text
    assert "billing" in bad.text
    stale = api.call(
        "PATCH",
        f"/catalogue/{pack['id']}",
        owner,
        json={"price_minor": 1},
        headers={"If-Match": "9"},
    )
    assert stale.status_code == 412
    missing = api.call("PATCH", f"/catalogue/{pack['id']}", owner, json={"price_minor": 1})
    assert missing.status_code == 428
    ok = api.call(
        "PATCH",
        f"/catalogue/{pack['id']}",
        owner,
        json={"price_minor": 45000},
        headers={"If-Match": "1"},
    )
    assert ok.status_code == 200
    assert ok.json()["version"] == 2


def test_three_payment_modes_make_the_right_entries(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    service = api.service(owner)
    paid, credit, none = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    api.sell(owner, paid, service_id=service["id"], payment_mode="paid", method="card")
    api.sell(owner, credit, service_id=service["id"], payment_mode="credit")
    loaded = api.sell(owner, none, service_id=service["id"], payment_mode="none")
    assert api.balance(owner, paid) == 0
    assert api.balance(owner, credit) == -40000
    assert api.balance(owner, none) == 0
    assert loaded["classes_left"] == 8

    def kinds(c):
        return [e["kind"] for e in api.call("GET", f"/clients/{c}/ledger", owner).json()["items"]]

    assert kinds(paid) == ["sale", "payment"]
    assert kinds(credit) == ["sale"]
    assert kinds(none) == ["issue"]  # classes only, no money entries
    changed = [e["data"] for e in api.events("billing.balance_changed", tenant)]
    first = {"client_id": str(credit), "balance_minor": -40000, "currency": "PLN", "sequence": 1}
    assert first in changed
    # A pack paid at the sale is a payment the portal and the receipts see, as any other.
    recorded = [e["data"] for e in api.events("billing.payment_recorded", tenant)]
    [payment] = [e for e in api.call("GET", f"/clients/{paid}/ledger", owner).json()["items"]
                 if e["kind"] == "payment"]  # fmt: skip
    assert [(r["client_id"], r["entry_id"], r["amount_minor"], r["method"]) for r in recorded] == [
        (str(paid), payment["id"], 40000, "card")
    ]
    assert [(a["target"], a["amount_minor"]) for a in recorded[0]["allocations"]] == [
        ("pack", 40000)
    ]


def test_freestyle_only_changes_at_sale(api: Api) -> None:
    owner = staff(api.organisation())
    fixed = api.service(owner)
    free = api.service(owner, freestyle=True)
    client = uuid.uuid4()
    refused = api.write(
        f"/clients/{client}/packs",
        owner,
        {"service_id": fixed["id"], "payment_mode": "none", "classes": 3},
    )
    assert refused.status_code == 422
    pack = api.sell(
        owner, client, service_id=free["id"], payment_mode="credit", classes=3, price_minor=100
    )
    assert (pack["classes_left"], pack["price_minor"]) == (3, 100)


def test_payment_idempotency_replay_and_conflict(api: Api) -> None:
    owner = staff(api.organisation())
    client = uuid.uuid4()
    key = {"Idempotency-Key": "pay-1"}
    body = {"amount_minor": 2500, "method": "cash"}
    first = api.call("POST", f"/clients/{client}/payments", owner, json=body, headers=key)
    again = api.call("POST", f"/clients/{client}/payments", owner, json=body, headers=key)
    other = api.call(
        "POST", f"/clients/{client}/payments", owner, json=body | {"amount_minor": 1}, headers=key
    )
    missing = api.call("POST", f"/clients/{client}/payments", owner, json=body)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other.status_code == 409
    assert missing.status_code == 428
    assert api.balance(owner, client) == 2500


def test_cancel_adds_a_reversal_once_and_leaves_the_payment_report(api: Api) -> None:
    owner = staff(api.organisation())
    client = uuid.uuid4()
    payment = api.write(
        f"/clients/{client}/payments", owner, {"amount_minor": 7000, "method": "card"}
    ).json()
    kept = api.write(
        f"/clients/{client}/payments", owner, {"amount_minor": 100, "method": "cash"}
    ).json()
    cancel = api.write(
        f"/clients/{client}/entries/{payment['id']}/cancel", owner, {"reason": "typo"}
    )
    assert cancel.status_code == 201, cancel.text
    assert cancel.json()["kind"] == "reversal"
    assert cancel.json()["reverses_id"] == payment["id"]
    again = api.write(f"/clients/{client}/entries/{payment['id']}/cancel", owner, {})
    assert again.status_code == 409
    reversal = api.write(f"/clients/{client}/entries/{cancel.json()['id']}/cancel", owner, {})
    assert reversal.status_code == 409
    assert api.balance(owner, client) == 100
    report = api.call("GET", "/payments", owner, params={"client_id": str(client)}).json()["items"]
    assert [p["id"] for p in report] == [kept["id"]]
    everything = api.call(
        "GET", "/payments", owner, params={"client_id": str(client), "include_cancelled": True}
    ).json()["items"]
    assert [p["cancelled"] for p in everything] == [True, False]


def test_allocations_pay_invoices_and_cancel_reopens_them(api: Api) -> None:
    owner = staff(api.organisation())
    client = uuid.uuid4()
    invoice = api.call(
        "POST",
        f"/clients/{client}/invoices",
        owner,
        json={"amount_minor": 5000, "due_on": "2030-01-01", "description": "January"},
    ).json()
    assert invoice["status"] == "open"
    paid = api.write(
        f"/clients/{client}/payments",
        owner,
        {
            "amount_minor": 5000,
            "method": "transfer",
            "allocations": [{"invoice_id": invoice["id"], "amount_minor": 5000}],
        },
    )
    assert paid.status_code == 201, paid.text

    def status():
        return api.call("GET", f"/clients/{client}/invoices", owner).json()["items"][0]["status"]

    assert status() == "paid"
    api.write(f"/clients/{client}/entries/{paid.json()['id']}/cancel", owner, {})
    assert status() == "open"
    too_much = api.write(
        f"/clients/{client}/payments",
        owner,
        {
            "amount_minor": 10,
            "method": "cash",
            "allocations": [{"invoice_id": invoice["id"], "amount_minor": 11}],
        },
    )
    assert too_much.status_code == 422


def test_roles_and_tenants(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    client = uuid.uuid4()
    api.write(f"/clients/{client}/payments", owner, {"amount_minor": 1, "method": "cash"})
    hidden = staff(tenant, "teacher", finances_hidden=True)
    teacher = staff(tenant, "teacher")
    assert api.call("GET", f"/clients/{client}/balance", hidden).status_code == 403
    assert api.call("GET", f"/clients/{client}/balance", teacher).status_code == 200
    assert (
        api.write(
            f"/clients/{client}/payments", teacher, {"amount_minor": 1, "method": "cash"}
        ).status_code
        == 403
    )
    assert api.call("GET", "/payments", teacher).status_code == 403
    stranger = staff(api.organisation())
    assert (
        api.write(
            f"/clients/{client}/payments", stranger, {"amount_minor": 1, "method": "cash"}
        ).status_code
        == 404
    )
    unknown = staff(uuid.uuid4())
    assert (
        api.write(
            f"/clients/{uuid.uuid4()}/payments", unknown, {"amount_minor": 1, "method": "cash"}
        ).status_code
        == 503
    )
