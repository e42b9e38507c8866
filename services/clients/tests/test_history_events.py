"""Every action on a client reaches the client's history in its section: sales, payments,
cancellations, invoices and class transfers from billing, attendance marks and group
transfers from the journal; once each, even when an event is delivered twice."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from crm_contracts.events.billing import (
    EntryCancelled,
    InvoiceIssued,
    PackChanged,
    PackSold,
    PaymentRecorded,
)
from crm_contracts.events.journal import (
    AttendanceMarked,
    AttendanceUnmarked,
    EnrolmentEnded,
    EnrolmentStarted,
    GroupCreated,
)
from crm_contracts.registry import EventPayload

from .conftest import Api, Org

CLIENTS = "/api/v1/clients/clients"
DAY = date(2026, 3, 2)


def entries(api: Api, org: Org, client_id: str, section: str) -> list[dict[str, Any]]:
    answer = api.ok("GET", f"{CLIENTS}/{client_id}/history", org.owner, params={"section": section})
    found: list[dict[str, Any]] = answer["items"]
    return found


def lines(api: Api, org: Org, client_id: str, section: str) -> list[str]:
    return [item["summary"] for item in entries(api, org, client_id, section)]


def worded(items: list[dict[str, Any]], *keys: str) -> list[tuple[Any, ...]]:
    """What a reader needs to word each line itself: its kind and these values of its data."""
    return [(item["kind"], *(item["data"].get(k) for k in keys)) for item in items]


def deliver(api: Api, org: Org, client_id: str, *payloads: EventPayload) -> None:
    start = datetime.now(UTC)
    envelopes = [
        api.envelope(p, org.tenant_id, client_id, at=start + timedelta(seconds=n))
        for n, p in enumerate(payloads)
    ]
    api.deliver(*envelopes)
    api.deliver(*envelopes)  # redelivered: no second line


def pack(client: uuid.UUID, **fields: Any) -> dict[str, Any]:
    return {
        "pack_id": uuid.uuid4(),
        "client_id": client,
        "name": "Guitar x 8",
        "kind": "pack",
        "starts_on": DAY,
        "status": "active",
    } | fields


def test_billings_actions_go_to_finances_and_other_records(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org)
    cid, friend = uuid.UUID(client["id"]), uuid.uuid4()
    entry = uuid.uuid4()
    deliver(
        api,
        org,
        client["id"],
        PackSold(**pack(cid), price_minor=40000, currency="PLN", payment_mode="credit"),
        InvoiceIssued(
            invoice_id=uuid.uuid4(),
            client_id=cid,
            description="Guitar x 8",
            period_from=date(2026, 3, 2),
            period_until=date(2026, 4, 1),
            amount_minor=40000,
            paid_minor=0,
            currency="PLN",
            due_on=date(2026, 3, 10),
            status="open",
        ),
        PaymentRecorded(
            entry_id=entry,
            client_id=cid,
            amount_minor=15000,
            currency="PLN",
            method="card",
            paid_on=DAY,
        ),
        EntryCancelled(
            entry_id=entry,
            reversal_entry_id=uuid.uuid4(),
            client_id=cid,
            kind="payment",
            amount_minor=15000,
            currency="PLN",
            reason="typed twice",
        ),
        PackChanged(
            **pack(cid), change="transferred_out", other_client_id=friend, classes_delta=-2
        ),
        PackChanged(**pack(cid), change="class_used", classes_delta=-1),
    )
    assert lines(api, org, client["id"], "finances") == [
        "Cancelled the payment of 150.00 PLN: typed twice",
        "Payment of 150.00 PLN by card on 2026-03-02",
        "Invoice for 400.00 PLN due on 2026-03-10: Guitar x 8 (2026-03-02 \u2013 2026-04-01)",
        "Sold Guitar x 8 for 400.00 PLN, on credit",
    ]
    assert lines(api, org, client["id"], "other") == [
        "Guitar x 8: classes transferred to another client (2 classes)",
        "Client card created",
    ]
    finances = entries(api, org, client["id"], "finances")
    assert worded(finances, "amount_minor", "currency", "entry_kind", "reason") == [
        ("billing.entry_cancelled", 15000, "PLN", "payment", "typed twice"),
        ("billing.payment_recorded", 15000, "PLN", None, None),
        ("billing.invoice_issued", 40000, "PLN", None, None),
        ("billing.pack_sold", None, "PLN", None, None),
    ]
    assert finances[1]["data"] | {"entry_id": None} == {
        "entry_id": None,
        "amount_minor": 15000,
        "currency": "PLN",
        "method": "card",
        "paid_on": "2026-03-02",
    }
    invoice = finances[2]["data"]
    assert (invoice["due_on"], invoice["description"]) == ("2026-03-10", "Guitar x 8")
    assert (invoice["period_from"], invoice["period_until"]) == ("2026-03-02", "2026-04-01")
    assert worded(finances[3:], "name", "price_minor", "payment_mode") == [
        ("billing.pack_sold", "Guitar x 8", 40000, "credit")
    ]
    assert worded(
        entries(api, org, client["id"], "other")[:1], "name", "change", "classes_delta"
    ) == [("billing.pack_changed", "Guitar x 8", "transferred_out", -2)]


def test_marks_and_group_transfers_go_to_visits(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org)
    cid = uuid.UUID(client["id"])
    old, new = uuid.uuid4(), uuid.uuid4()
    groups = [
        GroupCreated(group_id=g, branch_id=org.branch_id, name=name, capacity=10)
        for g, name in ((old, "Beginners"), (new, "Advanced"))
    ]
    api.deliver(*(api.envelope(g, org.tenant_id, g.group_id) for g in groups))
    mark, left, joined = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    where = {"lesson_id": uuid.uuid4(), "group_id": old, "branch_id": org.branch_id}
    deliver(
        api,
        org,
        client["id"],
        AttendanceMarked(mark_id=mark, client_id=cid, lesson_date=DAY, status="attended", **where),
        AttendanceUnmarked(
            mark_id=mark, client_id=cid, lesson_date=DAY, previous_status="attended", **where
        ),
        EnrolmentEnded(
            enrolment_id=left,
            group_id=old,
            branch_id=org.branch_id,
            client_id=cid,
            until_date=date(2026, 3, 3),
            reason="transferred",
            transferred_to=joined,
        ),
        EnrolmentStarted(
            enrolment_id=joined,
            group_id=new,
            branch_id=org.branch_id,
            client_id=cid,
            from_date=date(2026, 3, 4),
            transferred_from=left,
        ),
    )
    assert lines(api, org, client["id"], "visits") == [
        "Transferred to group Advanced from 2026-03-04",
        "Transferred out of group Beginners on 2026-03-03",
        "Mark (attended) removed on 2026-03-02 in group Beginners",
        "Marked attended on 2026-03-02 in group Beginners",
    ]
    visits = entries(api, org, client["id"], "visits")
    assert worded(visits, "group_name", "from_date", "until_date", "transferred") == [
        ("journal.enrolment_started", "Advanced", "2026-03-04", None, True),
        ("journal.enrolment_ended", "Beginners", None, "2026-03-03", True),
        ("journal.attendance_unmarked", "Beginners", None, None, None),
        ("journal.attendance_marked", "Beginners", None, None, None),
    ]
    assert worded(visits[2:], "lesson_date", "status", "previous_status") == [
        ("journal.attendance_unmarked", "2026-03-02", None, "attended"),
        ("journal.attendance_marked", "2026-03-02", "attended", None),
    ]


def test_another_organisations_event_writes_nothing(api: Api) -> None:
    org, other = api.organisation(), api.organisation()
    client = api.client_of(org)
    payment = PaymentRecorded(
        entry_id=uuid.uuid4(),
        client_id=uuid.UUID(client["id"]),
        amount_minor=100,
        currency="PLN",
        method="cash",
        paid_on=DAY,
    )
    api.deliver(api.envelope(payment, other.tenant_id, client["id"]))
    assert lines(api, org, client["id"], "finances") == []
