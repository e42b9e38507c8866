"""Payments arriving together share a transaction (ledger/payments.py) yet each keeps its own
entry, answer, events and refusal: a burst with repeated keys, another body under a used key,
a client of another organisation and a bad allocation among good payments."""

from __future__ import annotations

import uuid
from pathlib import Path

from billing_svc.main import create_app
from billing_svc.settings import Settings
from fastapi.testclient import TestClient

from crm_platform.db_admin import upgrade_sync
from crm_platform.idempotency import REPLAYED_HEADER

from .conftest import SERVICE_DIR, Api, staff


def test_a_burst_of_payments_keeps_every_answer_and_refusal_its_own(api: Api) -> None:
    tenant, stranger_tenant = api.organisation(), api.organisation()
    owner, stranger = staff(tenant), staff(stranger_tenant)
    clients = [uuid.uuid4() for _ in range(4)]
    foreign = uuid.uuid4()
    api.write(f"/clients/{foreign}/payments", stranger, {"amount_minor": 5, "method": "cash"})
    used_key = uuid.uuid4().hex
    used = api.call(
        "POST",
        f"/clients/{clients[0]}/payments",
        owner,
        json={"amount_minor": 700, "method": "cash"},
        headers={"Idempotency-Key": used_key},
    ).json()
    before = {c: api.balance(owner, c) for c in clients}

    twice = uuid.uuid4().hex
    calls = [
        (owner, str(c), {"amount_minor": 100 * (n + 1), "method": "card"}, uuid.uuid4().hex)
        for n, c in enumerate(clients * 5)
    ]
    calls += [
        (owner, str(clients[1]), {"amount_minor": 321, "method": "cash"}, twice),
        (owner, str(clients[1]), {"amount_minor": 321, "method": "cash"}, twice),
        (owner, str(clients[1]), {"amount_minor": 999, "method": "cash"}, twice),
        (owner, str(clients[0]), {"amount_minor": 700, "method": "cash"}, used_key),
        (owner, str(clients[0]), {"amount_minor": 701, "method": "cash"}, used_key),
        (owner, str(foreign), {"amount_minor": 50, "method": "cash"}, uuid.uuid4().hex),
        (
            owner,
            str(clients[2]),
            {
                "amount_minor": 50,
                "method": "cash",
                "allocations": [{"pack_id": str(uuid.uuid4()), "amount_minor": 50}],
            },
            bad_key := uuid.uuid4().hex,
        ),
    ]
    answers = api.burst(calls)
    plain, repeated, replayed_used, other_used, foreign_answer, bad = (
        answers[:20],
        answers[20:23],
        answers[23],
        answers[24],
        answers[25],
        answers[26],
    )
    assert [a.status_code for a in plain] == [201] * 20
    assert len({a.json()["id"] for a in plain}) == 20
    # One key sent twice with one body: one entry, the second answer a replay; another body: 409.
    assert [a.status_code for a in repeated] == [201, 201, 409]
    assert repeated[0].json() == repeated[1].json()
    assert sum(REPLAYED_HEADER in a.headers for a in repeated[:2]) == 1
    assert replayed_used.status_code == 201
    assert replayed_used.json() == used
    assert replayed_used.headers[REPLAYED_HEADER] == "true"
    assert other_used.status_code == 409
    # Another organisation's client is not found; a bad allocation names its field.
    assert foreign_answer.status_code == 404
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "allocations.0"

    # Balances moved by exactly the accepted payments.
    paid: dict[str, int] = {str(c): 0 for c in clients}
    for _, client, body, _ in calls[:20]:
        paid[client] += body["amount_minor"]
    paid[str(clients[1])] += 321
    for client in clients:
        assert api.balance(owner, client) == before[client] + paid[str(client)]
    entries = api.sql(
        "SELECT count(*) AS n FROM ledger_entries WHERE tenant_id = $1 AND kind = 'payment'",
        tenant,
    )
    assert entries[0]["n"] == 1 + 20 + 1
    # They were written together: entries of one transaction share its time.
    written = api.sql(
        "SELECT count(DISTINCT created_at) AS n FROM ledger_entries WHERE id = ANY($1::uuid[])",
        [uuid.UUID(a.json()["id"]) for a in plain],
    )
    assert written[0]["n"] < 20
    # Each payment's event carries the correlation id of the request that made it.
    recorded = {e["data"]["entry_id"]: e for e in api.events("billing.payment_recorded", tenant)}
    for n, answer in enumerate(plain):
        assert recorded[answer.json()["id"]]["correlation_id"] == f"corr-{n}"
    # Nothing of the refused payments stayed behind: the bad allocation's key runs again.
    retried = api.call(
        "POST",
        f"/clients/{clients[2]}/payments",
        owner,
        json={"amount_minor": 50, "method": "cash"},
        headers={"Idempotency-Key": bad_key},
    )
    assert retried.status_code == 201
    assert REPLAYED_HEADER not in retried.headers
    assert (
        api.sql("SELECT 1 FROM ledger_postings GROUP BY entry_id, unit HAVING sum(amount) <> 0")
        == []
    )


def test_payments_together_on_sqlite_the_embedded_mode(tmp_path: Path) -> None:
    """The same writer on SQLite (make run's embedded mode): a burst with a repeated key."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'billing.sqlite3'}"
    upgrade_sync(SERVICE_DIR, url)
    settings = Settings(database_url=url, amqp_url="", reminders_enabled=False)
    with TestClient(create_app(settings)) as client:
        api = Api(client, "")
        tenant = api.organisation()
        owner = staff(tenant)
        clients = [uuid.uuid4() for _ in range(3)]
        key = uuid.uuid4().hex
        calls = [
            (owner, str(c), {"amount_minor": 10 * (n + 1), "method": "cash"}, uuid.uuid4().hex)
            for n, c in enumerate(clients * 3)
        ]
        calls += [(owner, str(clients[0]), {"amount_minor": 5, "method": "card"}, key)] * 2
        answers = api.burst(calls)
        assert [a.status_code for a in answers] == [201] * 11
        assert answers[9].json() == answers[10].json()
        assert api.balance(owner, clients[0]) == 10 + 40 + 70 + 5
        assert api.balance(owner, clients[2]) == 30 + 60 + 90
