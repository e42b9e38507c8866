"""POST /clients/{id}/payments is answered by a fast route (crm_platform.fast_routes) ahead of
its documented FastAPI twin, which answers the requests the fast route declines (a path in
another spelling, a body that is not JSON). Both must answer every request alike."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from billing_svc import api as billing_api
from billing_svc.ledger import api as ledger_api
from fastapi.routing import APIRoute

from crm_platform.http_protocol import MAX_BODY_BYTES
from crm_platform.internal_auth import Principal
from crm_platform.testing.routes import route_reads

from .conftest import Api, staff


def _pay(
    api: Api,
    client: uuid.UUID,
    who: Principal | None,
    *,
    twin: bool,
    body: bytes,
    headers: dict[str, str],
) -> Any:
    """The same request to the fast route or (a path spelt in capitals, which the fast
    route does not take) to its FastAPI twin."""
    spelt = str(client).upper() if twin else str(client)
    path = f"/api/v1/billing/clients/{spelt}/payments"
    sent = {"Content-Type": "application/json"} | headers
    if who is None:
        return api.client.post(path, content=body, headers=sent)
    return api.call("POST", f"/clients/{spelt}/payments", who, content=body, headers=sent)


BAD_BODIES = [
    b'{"amount_minor": 0, "method": "cash"}',
    b'{"amount_minor": 100, "method": "cheque"}',
    b'{"amount_minor": 100}',
    b'{"amount_minor": 100, "method": "cash", "tip": 1}',
    b'{"amount_minor": 100, "method": "cash", "paid_on": "yesterday"}',
    b'{"amount_minor": 100, "method": "cash", "allocations": [{"amount_minor": 5}]}',
    b'{"amount_minor": 100, "method": "cash", "allocations": '
    b'[{"pack_id": "6f1c1b7e-0000-4000-8000-000000000000", "amount_minor": 500}]}',
    b'{"amount_minor": 1.5, "method": "cash"}',
    b"[1, 2]",
    b'{"amount_minor": 100, "method": ',
    b"",
]


@pytest.mark.parametrize("body", BAD_BODIES)
def test_bad_bodies_are_refused_alike_naming_the_field(api: Api, body: bytes) -> None:
    owner = staff(api.organisation())
    client = uuid.uuid4()
    answers = [
        _pay(
            api, client, owner, twin=twin, body=body, headers={"Idempotency-Key": uuid.uuid4().hex}
        )
        for twin in (False, True)
    ]
    fast, twin = answers
    assert fast.status_code == twin.status_code == 422, (fast.text, twin.text)
    assert fast.headers["content-type"] == "application/problem+json"
    fast_doc, twin_doc = fast.json(), twin.json()
    assert fast_doc.pop("instance") != twin_doc.pop("instance")  # each its own path
    assert fast_doc == twin_doc
    assert fast_doc["errors"]
    assert all(e["field"] for e in fast_doc["errors"])
    assert api.sql("SELECT 1 FROM ledger_entries WHERE client_id = $1", client) == []


UNREADABLE_BODIES = [
    b'{"amount_minor": 100, "method": "ca\xffsh"}',  # not UTF-8
    b"[" * 100_000 + b"]" * 100_000,  # nested deeper than any parser goes
    b'{"amount_minor": ' + b"9" * 5_000 + b', "method": "cash"}',  # past int's digit limit
]


@pytest.mark.parametrize("body", UNREADABLE_BODIES, ids=["utf8", "deep", "digits"])
def test_bodies_that_cannot_be_read_are_400_alike(api: Api, body: bytes) -> None:
    owner = staff(api.organisation())
    client = uuid.uuid4()
    fast, twin = (
        _pay(api, client, owner, twin=t, body=body, headers={"Idempotency-Key": uuid.uuid4().hex})
        for t in (False, True)
    )
    assert fast.status_code == twin.status_code == 400, (fast.text, twin.text)
    assert fast.headers["content-type"] == "application/problem+json"
    fast_doc, twin_doc = fast.json(), twin.json()
    fast_doc.pop("instance"), twin_doc.pop("instance")
    assert fast_doc == twin_doc
    assert api.sql("SELECT 1 FROM ledger_entries WHERE client_id = $1", client) == []


def test_callers_and_keys_are_checked_alike_and_in_the_same_order(api: Api) -> None:
    tenant = api.organisation()
    client = uuid.uuid4()
    good = b'{"amount_minor": 100, "method": "cash"}'
    bad = b'{"amount_minor": -1, "method": "cash"}'
    cases: list[tuple[Principal | None, bytes, dict[str, str], int]] = [
        (None, good, {"Idempotency-Key": "k"}, 401),
        (None, good, {"Idempotency-Key": "k", "X-Internal-Token": "forged"}, 401),
        (staff(tenant, role="teacher"), good, {"Idempotency-Key": uuid.uuid4().hex}, 403),
        # The caller's token, then the key, then the body, then the caller's role.
        (staff(tenant, role="teacher"), bad, {}, 428),
        (staff(tenant, role="teacher"), bad, {"Idempotency-Key": uuid.uuid4().hex}, 422),
        (staff(tenant), bad, {}, 428),
        (staff(tenant), bad, {"Idempotency-Key": " "}, 422),
        (staff(tenant), good, {"Idempotency-Key": "x" * 201}, 422),
    ]
    for who, body, headers, expected in cases:
        fast, twin = (
            _pay(api, client, who, twin=t, body=body, headers=headers) for t in (False, True)
        )
        assert fast.status_code == twin.status_code == expected, (fast.text, twin.text)
        fast_doc, twin_doc = fast.json(), twin.json()
        fast_doc.pop("instance"), twin_doc.pop("instance")
        assert fast_doc == twin_doc
    assert api.sql("SELECT 1 FROM ledger_entries WHERE client_id = $1", client) == []


def test_a_payment_is_recorded_alike_by_either_route_and_replayed_by_its_key(api: Api) -> None:
    owner = staff(api.organisation())
    client = uuid.uuid4()
    body = b'{"amount_minor": 1250, "method": "card", "comment": "May"}'
    answers = []
    for twin in (False, True):
        key = uuid.uuid4().hex
        first = _pay(api, client, owner, twin=twin, body=body, headers={"Idempotency-Key": key})
        again = _pay(api, client, owner, twin=twin, body=body, headers={"Idempotency-Key": key})
        other = _pay(
            api,
            client,
            owner,
            twin=twin,
            body=body.replace(b"1250", b"1251"),
            headers={"Idempotency-Key": key},
        )
        assert first.status_code == 201, first.text
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["idempotent-replayed"] == "true"
        assert other.status_code == 409
        assert first.headers["x-request-id"]
        assert first.headers["x-correlation-id"]
        answers.append(first.json())
    fast, twin = answers
    assert fast["id"] != twin["id"]
    for doc in (fast, twin):
        doc.pop("id"), doc.pop("created_at")
    assert fast == twin
    assert fast["amount_minor"] == 1250
    assert fast["client_id"] == str(client)
    assert api.balance(owner, client) == 2500


def test_a_body_that_is_not_json_goes_to_the_twin_and_is_415(api: Api) -> None:
    owner = staff(api.organisation())
    client = uuid.uuid4()
    response = api.call(
        "POST",
        f"/clients/{client}/payments",
        owner,
        content=b"amount_minor=100&method=cash",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert api.balance(owner, client) == 0


def test_the_fast_route_reads_exactly_what_its_documented_twin_depends_on() -> None:
    """The fast route repeats its twin's dependencies by hand (ledger/api.py): a dependency,
    parameter or body the twin gains or loses must be mirrored there (FAST_ROUTE_READS),
    or this fails."""
    (twin,) = [
        r
        for r in ledger_api.router.routes
        if isinstance(r, APIRoute) and r.endpoint is ledger_api.record_payment
    ]
    (fast,) = ledger_api.FAST_ROUTES
    path = billing_api.router.prefix + twin.path
    assert fast.match({"method": "POST", "path": path.format(client_id=uuid.uuid4())})
    assert twin.methods == {fast.method}
    assert route_reads(billing_api.router, twin) == ledger_api.FAST_ROUTE_READS


def test_a_body_over_the_limit_is_413_alike(api: Api) -> None:
    """One limit for every route of a service (crm_platform's MAX_BODY_BYTES): the fast
    route once refused at 1 MiB a body its twin read."""
    owner = staff(api.organisation())
    client = uuid.uuid4()
    body = b'{"amount_minor": 100, "method": "cash", "comment": "' + b"x" * MAX_BODY_BYTES + b'"}'
    fast, twin = (
        _pay(api, client, owner, twin=t, body=body, headers={"Idempotency-Key": uuid.uuid4().hex})
        for t in (False, True)
    )
    assert fast.status_code == twin.status_code == 413, (fast.text[:200], twin.text[:200])
    assert fast.headers["content-type"] == twin.headers["content-type"]
    assert fast.headers["content-type"] == "application/problem+json"
    under = b'{"amount_minor": 100, "method": "cash", "comment": "' + b"x" * (2 << 20) + b'"}'
    fast_under = _pay(
        api, client, owner, twin=False, body=under, headers={"Idempotency-Key": uuid.uuid4().hex}
    )
    assert fast_under.status_code == 422  # read (2 MiB), then the comment's length refused
    assert api.sql("SELECT 1 FROM ledger_entries WHERE client_id = $1", client) == []
