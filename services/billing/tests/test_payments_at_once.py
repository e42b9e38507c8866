"""The usual payment batch (every payment accepted, none allocated, each with a key of its
own) is written by one statement that is its own transaction (ledger/payments.py); any
other batch, or one whose key turns out to be taken, goes the careful way. Both must leave
the same ledger, answers and events."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from billing_svc.ledger.payments import BATCHES
from billing_svc.ledger.payments_repository import BALANCE_SLOT, SEQUENCE_SLOT
from billing_svc.main import create_app
from billing_svc.settings import Settings
from fastapi.testclient import TestClient

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import BalanceChanged, PaymentRecorded

from .conftest import Api, staff


def _batches(way: str) -> float:
    return BATCHES.labels(way)._value.get()  # type: ignore[no-any-return]


def _events(api: Api, tenant: uuid.UUID, event_type: str) -> list[dict[str, Any]]:
    rows = api.sql(
        "SELECT body FROM outbox WHERE tenant_id = $1 AND event_type = $2 ORDER BY seq",
        tenant,
        event_type,
    )
    return [json.loads(r["body"]) for r in rows]


def test_a_batch_written_at_once_leaves_every_balance_event_exact(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    clients = [uuid.uuid4() for _ in range(6)]
    at_once = _batches("at_once")
    calls = [
        (owner, str(c), {"amount_minor": 100 * (n + 1), "method": "cash"}, uuid.uuid4().hex)
        for n, c in enumerate(clients * 3)
    ]
    answers = api.burst(calls)
    assert [a.status_code for a in answers] == [201] * len(calls)
    assert _batches("at_once") > at_once
    balances = {c: api.balance(owner, c) for c in clients}
    for n, client in enumerate(clients):
        assert balances[client] == sum(100 * (m + 1) for m in range(n, len(calls), 6))
    changed = _events(api, tenant, "billing.balance_changed")
    assert changed
    last: dict[str, int] = {}
    for body in changed:
        envelope = EventEnvelope.model_validate(body)
        payload = BalanceChanged.model_validate(envelope.data)
        assert payload.balance_minor != BALANCE_SLOT
        assert str(BALANCE_SLOT) not in json.dumps(body)
        assert str(SEQUENCE_SLOT) not in json.dumps(body)
        assert payload.sequence is not None
        assert payload.sequence > 0
        last[str(payload.client_id)] = payload.balance_minor
    assert last == {str(c): b for c, b in balances.items()}
    recorded = [
        PaymentRecorded.model_validate(EventEnvelope.model_validate(b).data)
        for b in _events(api, tenant, "billing.payment_recorded")
    ]
    assert sorted(p.entry_id for p in recorded) == sorted(
        uuid.UUID(a.json()["id"]) for a in answers
    )
    correlations = {
        EventEnvelope.model_validate(b).correlation_id
        for b in _events(api, tenant, "billing.payment_recorded")
    }
    assert correlations == {f"corr-{n}" for n in range(len(calls))}
    # A balance_changed carries the correlation id of a payment of its own client, not
    # that of whichever request started the batch.
    for body in changed:
        envelope = EventEnvelope.model_validate(body)
        n = clients.index(uuid.UUID(body["data"]["client_id"]))
        assert envelope.correlation_id in {f"corr-{m}" for m in range(n, len(calls), 6)}


def test_a_correlation_id_that_spells_the_slots_is_carried_as_sent(api: Api) -> None:
    """The statement writing a batch fills each balance_changed's balance and sequence in
    its text: a caller's correlation id holding the same digits is left as it came."""
    tenant = api.organisation()
    owner = staff(tenant)
    client = uuid.uuid4()
    correlation = f"pay{BALANCE_SLOT}:{SEQUENCE_SLOT}"
    pay = {"amount_minor": 300, "method": "cash"}
    first = api.write(f"/clients/{client}/payments", owner, pay)  # billing learns the client
    assert first.status_code == 201, first.text
    at_once = _batches("at_once")
    answer = api.write(
        f"/clients/{client}/payments", owner, pay, headers={"X-Correlation-Id": correlation}
    )
    assert answer.status_code == 201, answer.text
    assert _batches("at_once") > at_once
    changed = {b["data"]["sequence"]: b for b in _events(api, tenant, "billing.balance_changed")}
    assert changed[2]["correlation_id"] == correlation
    assert changed[2]["data"]["balance_minor"] == 600
    recorded = _events(api, tenant, "billing.payment_recorded")
    assert recorded[-1]["correlation_id"] == correlation


def test_a_batch_whose_key_is_taken_is_undone_and_written_the_careful_way(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    clients = [uuid.uuid4() for _ in range(5)]
    used = uuid.uuid4().hex
    first = api.write(
        f"/clients/{clients[0]}/payments",
        owner,
        {"amount_minor": 700, "method": "cash"},
        headers={"Idempotency-Key": used},
    )
    assert first.status_code == 201
    careful = _batches("careful")
    calls = [
        (owner, str(c), {"amount_minor": 50, "method": "card"}, uuid.uuid4().hex) for c in clients
    ]
    calls.insert(2, (owner, str(clients[0]), {"amount_minor": 700, "method": "cash"}, used))
    answers = api.burst(calls)
    assert [a.status_code for a in answers] == [201] * len(calls)
    assert answers[2].json() == first.json()  # the taken key replays its answer
    assert answers[2].headers["idempotent-replayed"] == "true"
    assert _batches("careful") > careful
    assert api.balance(owner, clients[0]) == 750
    assert all(api.balance(owner, c) == 50 for c in clients[1:])
    entries = api.sql(
        "SELECT count(*) AS n FROM ledger_entries WHERE tenant_id = $1 AND kind = 'payment'",
        tenant,
    )
    assert entries[0]["n"] == 1 + len(clients)
    recorded = _events(api, tenant, "billing.payment_recorded")
    assert len(recorded) == 1 + len(clients)
    assert len({b["id"] for b in recorded}) == len(recorded)


def test_overlapping_batches_number_a_balance_in_the_order_it_moved(api: Api) -> None:
    """Two billing processes write batches for one client at the same time (each stamps its
    events before its statement runs, so stamps and commits may disagree): the sequence
    in each balance_changed is the balance row's own count, so ordered by it the balances
    are exactly the running sums, and the highest sequence carries the final balance."""
    tenant = api.organisation()
    owner = staff(tenant)
    client = uuid.uuid4()
    settings = Settings(
        database_url=api.db_url.replace("postgresql://", "postgresql+asyncpg://"),
        amqp_url="",
        db_pool_size=3,
        reminders_enabled=False,
    )
    amounts = [[100 + n for n in range(12)], [1000 + 10 * n for n in range(12)]]
    with TestClient(create_app(settings)) as other_client:
        other = Api(other_client, api.db_url)
        apps = [api, other]
        with ThreadPoolExecutor(2) as pool:
            for round_ in range(3):
                running = [
                    pool.submit(
                        app.burst,
                        [
                            (
                                owner,
                                str(client),
                                {"amount_minor": a, "method": "cash"},
                                uuid.uuid4().hex,
                            )
                            for a in amounts[n]
                        ],
                    )
                    for n, app in enumerate(apps)
                ]
                for done in running:
                    assert [r.status_code for r in done.result()] == [201] * 12, round_
    total = 3 * sum(map(sum, amounts))
    assert api.balance(owner, client) == total
    changes = [
        (EventEnvelope.model_validate(b), BalanceChanged.model_validate(b["data"]))
        for b in _events(api, tenant, "billing.balance_changed")
    ]
    by_sequence = sorted(changes, key=lambda c: c[1].sequence or 0)
    sequences = [p.sequence for _, p in by_sequence]
    assert sequences == list(range(1, len(changes) + 1))
    balances = [p.balance_minor for _, p in by_sequence]
    assert balances == sorted(balances)  # every payment is positive: each step adds
    assert len(set(balances)) == len(balances)
    assert balances[-1] == total
    (row,) = api.sql(
        "SELECT sequence FROM client_balances WHERE tenant_id = $1 AND client_id = $2",
        tenant,
        client,
    )
    assert row["sequence"] == len(changes)
