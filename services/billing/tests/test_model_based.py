"""A seeded random run against a model: thousands of operations from concurrent workers on
the real database, with retries of one key, one key with another body, concurrent cancels of
one entry and concurrent use of a pack's last class. Then the ledger's invariants hold and
every balance equals the model's."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx

from crm_platform.internal_auth import Principal
from crm_platform.testing import internal_headers

from .conftest import Api, staff

WORKERS = 5
OPERATIONS = 500  # per worker
SEED = 20261124


@dataclass
class Model:
    balances: dict[uuid.UUID, int] = field(default_factory=lambda: defaultdict(int))
    classes: dict[uuid.UUID, int] = field(default_factory=dict)
    pack_owner: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)
    payments: dict[str, tuple[dict[str, Any], str, uuid.UUID, str]] = field(default_factory=dict)
    cancellable: list[tuple[uuid.UUID, str, int]] = field(default_factory=list)
    cancelled: set[str] = field(default_factory=set)
    cancelling: set[str] = field(default_factory=set)
    accepted_writes: int = 0


class Run:
    def __init__(self, http: httpx.AsyncClient, owner: Principal, clients: list[uuid.UUID]) -> None:
        self.http = http
        self.owner = owner
        self.clients = clients
        self.model = Model()
        self.service_id = ""

    async def post(self, path: str, body: dict[str, Any], key: str) -> httpx.Response:
        headers = internal_headers(self.owner, "billing") | {"Idempotency-Key": key}
        return await self.http.post("/api/v1/billing" + path, json=body, headers=headers)

    async def pay(self, rng: random.Random) -> None:
        client = rng.choice(self.clients)
        body = {"amount_minor": rng.randint(1, 50_000), "method": rng.choice(["cash", "card"])}
        key = uuid.uuid4().hex
        response = await self.post(f"/clients/{client}/payments", body, key)
        assert response.status_code == 201, response.text
        entry = response.json()["id"]
        self.model.payments[key] = (body, entry, client, f"/clients/{client}/payments")
        self.model.balances[client] += body["amount_minor"]
        self.model.cancellable.append((client, entry, body["amount_minor"]))

    async def retry(self, rng: random.Random) -> None:
        if not self.model.payments:
            return
        key = rng.choice(list(self.model.payments))
        body, entry, _, path = self.model.payments[key]
        same, other = await asyncio.gather(
            self.post(path, body, key),
            self.post(path, body | {"amount_minor": body["amount_minor"] + 1}, key),
        )
        assert same.status_code == 201
        assert same.json()["id"] == entry
        assert other.status_code == 409

    async def cancel_twice(self, rng: random.Random) -> None:
        if not self.model.cancellable:
            return
        client, entry, amount = rng.choice(self.model.cancellable)
        if entry in self.model.cancelling:  # another worker is cancelling it right now
            return
        path = f"/clients/{client}/entries/{entry}/cancel"
        self.model.cancelling.add(entry)
        try:
            answers = await asyncio.gather(
                self.post(path, {}, uuid.uuid4().hex), self.post(path, {}, uuid.uuid4().hex)
            )
        finally:
            self.model.cancelling.discard(entry)
        codes = sorted(a.status_code for a in answers)
        if entry in self.model.cancelled:
            assert codes == [409, 409]
            return
        assert codes == [201, 409], [a.text for a in answers]
        self.model.cancelled.add(entry)
        self.model.balances[client] -= amount

    async def sell(self, rng: random.Random) -> None:
        client = rng.choice(self.clients)
        response = await self.post(
            f"/clients/{client}/packs",
            {"service_id": self.service_id, "payment_mode": "credit"},
            uuid.uuid4().hex,
        )
        assert response.status_code == 201, response.text
        pack = response.json()
        self.model.balances[client] -= pack["price_minor"]
        self.model.classes[uuid.UUID(pack["id"])] = pack["classes_left"]
        self.model.pack_owner[uuid.UUID(pack["id"])] = client

    async def use_last(self, rng: random.Random) -> None:
        if not self.model.classes:
            return
        pack = rng.choice(list(self.model.classes))
        client = self.model.pack_owner[pack]
        path = f"/clients/{client}/packs/{pack}/visits"
        answers = await asyncio.gather(*(self.post(path, {}, uuid.uuid4().hex) for _ in range(3)))
        ok = sum(a.status_code == 200 for a in answers)
        assert {a.status_code for a in answers} <= {200, 409}
        self.model.classes[pack] -= ok
        assert self.model.classes[pack] >= 0

    async def worker(self, n: int) -> None:
        rng = random.Random(SEED + n)
        operations = [self.pay] * 5 + [self.retry] * 2 + [self.cancel_twice] * 2
        operations += [self.sell, self.use_last, self.use_last]
        for _ in range(OPERATIONS):
            await rng.choice(operations)(rng)


def test_concurrent_random_run_matches_the_model(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    clients = [uuid.uuid4() for _ in range(6)]
    # Rows that exist before the run must be unchanged after it.
    api.write(f"/clients/{clients[0]}/payments", owner, {"amount_minor": 123, "method": "cash"})
    pre_service = api.service(owner, classes=2)
    api.sell(owner, clients[1], service_id=pre_service["id"], payment_mode="paid", method="card")
    snapshot = _ledger_rows(api, tenant)
    pre_balances = {c: api.balance(owner, c) for c in clients}

    service_id = api.service(owner, classes=2, price_minor=700)["id"]

    async def run() -> Model:
        transport = httpx.ASGITransport(app=api.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t", timeout=60) as http:
            state = Run(http, owner, clients)
            state.service_id = service_id
            await asyncio.gather(*(state.worker(n) for n in range(WORKERS)))
            return state.model

    model = api.client.portal.call(run)  # type: ignore[union-attr]

    # Every balance equals the model, and the cached balance equals the postings.
    for client in clients:
        assert api.balance(owner, client) == pre_balances[client] + model.balances[client]
    cached = api.sql(
        """SELECT b.client_id, b.balance_minor,
                  -(SELECT coalesce(sum(p.amount), 0) FROM ledger_postings p
                    WHERE p.tenant_id = b.tenant_id AND p.unit = 'money'
                      AND p.account = 'client:' || b.client_id::text) AS derived
           FROM client_balances b WHERE b.tenant_id = $1""",
        tenant,
    )
    assert all(r["balance_minor"] == r["derived"] for r in cached)
    # Classes left equal the model and the postings; none below zero.
    for pack, classes in model.classes.items():
        rows = api.sql(
            """SELECT classes_left,
                      (SELECT sum(amount) FROM ledger_postings
                       WHERE account = $2 AND unit = 'class') AS derived
               FROM packs WHERE id = $1""",
            pack,
            f"pack:{pack}",
        )
        assert rows[0]["classes_left"] == rows[0]["derived"] == classes
    assert api.sql("SELECT 1 FROM packs WHERE classes_left < 0") == []
    # Postings sum to zero per tenant and unit, and per entry and unit.
    assert (
        api.sql(
            "SELECT tenant_id, unit FROM ledger_postings "
            "GROUP BY tenant_id, unit HAVING sum(amount) <> 0"
        )
        == []
    )
    assert (
        api.sql(
            "SELECT entry_id FROM ledger_postings GROUP BY entry_id, unit HAVING sum(amount) <> 0"
        )
        == []
    )
    # No duplicate entry: one payment entry per accepted key (plus the ones made before).
    payments = api.sql(
        "SELECT count(*) AS n FROM ledger_entries WHERE tenant_id = $1 AND kind = 'payment'", tenant
    )
    assert payments[0]["n"] == len(model.payments) + 2
    # No entry reversed twice: one reversal row per reversing entry, one per cancelled entry.
    reversals = api.sql(
        "SELECT count(*) AS n FROM ledger_entries WHERE tenant_id = $1 AND kind = 'reversal'",
        tenant,
    )
    assert reversals[0]["n"] == len(model.cancelled)
    assert (
        api.sql(
            "SELECT reversed_entry_id FROM entry_reversals "
            "GROUP BY reversed_entry_id HAVING count(*) > 1"
        )
        == []
    )
    # What existed before the run is unchanged.
    after = _ledger_rows(api, tenant)
    assert snapshot <= after
    assert len(model.payments) + len(model.cancelled) > WORKERS * OPERATIONS // 4


def _ledger_rows(api: Api, tenant: uuid.UUID) -> set[tuple[Any, ...]]:
    entries = api.sql("SELECT * FROM ledger_entries WHERE tenant_id = $1", tenant)
    postings = api.sql("SELECT * FROM ledger_postings WHERE tenant_id = $1", tenant)
    reversals = api.sql("SELECT * FROM entry_reversals WHERE tenant_id = $1", tenant)
    return (
        {("e", *r.values()) for r in entries}
        | {("p", *r.values()) for r in postings}
        | {("r", *r.values()) for r in reversals}
    )
