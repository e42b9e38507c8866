"""A pack's life and its consumption from the journal's attendance events."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.clients import ClientFrozen
from crm_contracts.events.journal import AttendanceMarked, AttendanceUnmarked, GroupCreated

from .conftest import Api, org_today, staff


def mark(
    tenant: uuid.UUID,
    client: uuid.UUID,
    group: uuid.UUID,
    status: str,
    *,
    mark_id: uuid.UUID | None = None,
    day: date | None = None,
    at: datetime | None = None,
) -> EventEnvelope:
    payload = AttendanceMarked(
        mark_id=mark_id or uuid.uuid4(),
        lesson_id=uuid.uuid4(),
        group_id=group,
        branch_id=uuid.uuid4(),
        client_id=client,
        lesson_date=day or org_today(),
        status=status,  # type: ignore[arg-type]
    )
    return EventEnvelope(
        type=payload.event_type,
        source="journal",
        tenant_id=tenant,
        subject=str(payload.mark_id),
        time=at or datetime.now(UTC),
        data=payload.model_dump(mode="json"),
    )


def unmark(tenant: uuid.UUID, marked: EventEnvelope, at: datetime) -> EventEnvelope:
    data = marked.data
    payload = AttendanceUnmarked(
        mark_id=data["mark_id"],
        lesson_id=data["lesson_id"],
        group_id=data["group_id"],
        client_id=data["client_id"],
        lesson_date=data["lesson_date"],
        previous_status=data["status"],
    )
    return EventEnvelope(
        type=payload.event_type,
        source="journal",
        tenant_id=tenant,
        subject="s",
        time=at,
        data=payload.model_dump(mode="json"),
    )


def left(api: Api, owner: object, client: uuid.UUID, pack: dict[str, object]) -> int:
    response = api.call("GET", f"/clients/{client}/packs/{pack['id']}", owner)  # type: ignore[arg-type]
    return int(response.json()["pack"]["classes_left"])


def test_marks_use_and_give_back_classes(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    group, client = uuid.uuid4(), uuid.uuid4()
    pack = api.sell(owner, client, service_id=api.service(owner)["id"], payment_mode="none")
    t0 = datetime.now(UTC)
    attended = mark(tenant, client, group, "attended", at=t0)
    api.deliver_envelopes([attended, attended])  # delivered twice: one class
    assert left(api, owner, client, pack) == 7
    same_mark = uuid.UUID(attended.data["mark_id"])
    excused = mark(
        tenant, client, group, "excused", mark_id=same_mark, at=t0 + timedelta(seconds=1)
    )
    api.deliver_envelopes([excused])
    assert left(api, owner, client, pack) == 8
    # A late redelivery of the first event changes nothing: it is older than the state.
    late = attended.model_copy(update={"id": uuid.uuid4()})
    api.deliver_envelopes([late])
    assert left(api, owner, client, pack) == 8
    makeup = mark(tenant, client, group, "makeup_attended", at=t0)
    api.deliver_envelopes([makeup])
    assert left(api, owner, client, pack) == 7
    api.deliver_envelopes([unmark(tenant, makeup, t0 + timedelta(seconds=2))])
    assert left(api, owner, client, pack) == 8
    absent = mark(tenant, client, group, "absent", at=t0)  # organisation policy: free
    api.deliver_envelopes([absent])
    assert left(api, owner, client, pack) == 8
    history = api.call("GET", f"/clients/{client}/packs/{pack['id']}", owner).json()
    assert [u["returned"] for u in history["usages"]] == [True, True]


def test_earliest_expiry_first_and_one_time_price_without_a_pack(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    group, client = uuid.uuid4(), uuid.uuid4()
    api.deliver(tenant, GroupCreated(group_id=group, branch_id=uuid.uuid4(), name="Choir"))
    api.service(owner, kind="one_time", name="Single", price_minor=5000, period=None, classes=None)
    long = api.service(owner, name="Long", period={"unit": "month", "count": 3}, classes=1)
    short = api.service(owner, name="Short", period={"unit": "week", "count": 1}, classes=1)
    long_pack = api.sell(owner, client, service_id=long["id"], payment_mode="none")
    short_pack = api.sell(owner, client, service_id=short["id"], payment_mode="none")
    api.deliver_envelopes([mark(tenant, client, group, "attended")])
    assert left(api, owner, client, short_pack) == 0
    assert left(api, owner, client, long_pack) == 1
    api.deliver_envelopes([mark(tenant, client, group, "attended")])
    assert left(api, owner, client, long_pack) == 0
    charged = mark(tenant, client, group, "attended")
    api.deliver_envelopes([charged])
    assert api.balance(owner, client) == -5000
    api.deliver_envelopes([unmark(tenant, charged, datetime.now(UTC) + timedelta(seconds=1))])
    assert api.balance(owner, client) == 0
    assert len(api.events("billing.visit_charged", tenant)) == 1


def test_pack_life_bonus_freeze_transfer_refund(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    client, sister = uuid.uuid4(), uuid.uuid4()
    api.write(f"/clients/{sister}/payments", owner, {"amount_minor": 1, "method": "cash"})
    pack = api.sell(
        owner, client, service_id=api.service(owner)["id"], payment_mode="paid", method="cash"
    )
    base = f"/clients/{client}/packs/{pack['id']}"
    bonus = api.write(base + "/bonus", owner, {"classes": 2})
    assert bonus.json()["classes_left"] == 10
    ends = date.fromisoformat(pack["ends_on"])
    frozen = api.write(
        base + "/freeze",
        owner,
        {"from_date": str(org_today()), "until_date": str(org_today() + timedelta(days=6))},
    )
    assert date.fromisoformat(frozen.json()["ends_on"]) == ends + timedelta(days=7)
    moved = api.write(base + "/transfer", owner, {"to_client_id": str(sister), "classes": 3})
    assert moved.status_code == 200, moved.text
    assert moved.json()["classes_left"] == 7
    sister_packs = api.call("GET", f"/clients/{sister}/packs", owner).json()["items"]
    assert [p["classes_left"] for p in sister_packs] == [3]
    too_many = api.write(base + "/transfer", owner, {"to_client_id": str(sister), "classes": 8})
    assert too_many.status_code == 409
    sister_ledger = api.call("GET", f"/clients/{sister}/ledger", owner).json()["items"]
    assert "transfer" in [e["kind"] for e in sister_ledger]
    refund = api.write(base + "/refund", owner, {"pay_out_method": "cash"})
    assert refund.status_code == 200, refund.text
    assert refund.json()["status"] == "refunded"
    assert refund.json()["classes_left"] == 0
    # 7 of 8 paid classes unused: 7/8 of the price back, paid out, so the balance is 0.
    assert api.balance(owner, client) == 0
    changes = [e["data"]["change"] for e in api.events("billing.pack_changed", tenant)]
    assert changes[:4] == ["bonus_added", "frozen", "transferred_out", "transferred_in"]


def test_client_freeze_event_freezes_their_packs(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    client = uuid.uuid4()
    pack = api.sell(owner, client, service_id=api.service(owner)["id"], payment_mode="none")
    start = org_today() + timedelta(days=2)
    api.deliver(
        tenant,
        ClientFrozen(
            client_id=client, from_date=start, until_date=start + timedelta(days=9), reason="ill"
        ),
    )
    after = api.call("GET", f"/clients/{client}/packs/{pack['id']}", owner).json()["pack"]
    assert date.fromisoformat(after["ends_on"]) == date.fromisoformat(pack["ends_on"]) + timedelta(
        days=10
    )
    assert after["freezes"][0]["source"] == "client"
    api.deliver_envelopes(
        [mark(tenant, client, uuid.uuid4(), "attended", day=start + timedelta(days=1))]
    )
    assert left(api, owner, client, pack) == 8  # frozen that day: not used, charged instead


def test_concurrent_use_of_the_last_class(api: Api) -> None:
    tenant = api.organisation()
    owner = staff(tenant)
    client = uuid.uuid4()
    pack = api.sell(
        owner, client, service_id=api.service(owner, classes=1)["id"], payment_mode="none"
    )
    import asyncio

    async def both() -> list[int]:
        import httpx

        from crm_platform.testing import internal_headers

        transport = httpx.ASGITransport(app=api.client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            path = f"/api/v1/billing/clients/{client}/packs/{pack['id']}/visits"
            calls = [
                http.post(
                    path,
                    json={},
                    headers=internal_headers(owner, "billing")
                    | {"Idempotency-Key": uuid.uuid4().hex},
                )
                for _ in range(4)
            ]
            return [r.status_code for r in await asyncio.gather(*calls)]

    codes = api.client.portal.call(both)  # type: ignore[union-attr]
    assert sorted(codes) == [200, 409, 409, 409]
    assert left(api, owner, client, pack) == 0
