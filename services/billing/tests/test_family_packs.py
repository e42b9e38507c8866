"""Shared packs are used by the buyer's family as billing knows it from the clients
context's events: a relative who joins later uses it, one who leaves no longer does, an
older event delivered late changes nothing, and a family id never reaches across
organisations. The use shows in the ledgers of both the relative and the owner.

Every day is fixed: the app's clock for requests, the lesson's date for marks."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from billing_svc.domain.consumption import PackView, Visit, choose_pack

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.clients import ClientUpdated, FamilyChanged
from crm_contracts.events.journal import AttendanceMarked
from crm_contracts.registry import EventPayload
from crm_platform.internal_auth import Principal

from .conftest import Api, staff

TODAY = date(2026, 11, 2)
T0 = datetime.combine(TODAY, time(9), tzinfo=UTC)
DAY = date(2026, 3, 16)


def fix_today(api: Api) -> None:
    api.client.app.state.clock = lambda: datetime.combine(TODAY, time(12), tzinfo=UTC)  # type: ignore[attr-defined]


def at(tenant: uuid.UUID, when: datetime, payload: EventPayload) -> EventEnvelope:
    return EventEnvelope(
        type=payload.event_type,
        source="clients",
        tenant_id=tenant,
        subject="s",
        time=when,
        data=payload.model_dump(mode="json"),
    )


def card(client: uuid.UUID, family: uuid.UUID | None) -> ClientUpdated:
    return ClientUpdated(client_id=client, first_name="F", last_name="L", family_id=family)


def family(
    tenant: uuid.UUID, when: datetime, family_id: uuid.UUID, *members: uuid.UUID
) -> EventEnvelope:
    return at(tenant, when, FamilyChanged(family_id=family_id, member_ids=list(members)))


def join(
    tenant: uuid.UUID, when: datetime, family_id: uuid.UUID, joining: uuid.UUID, *all_: uuid.UUID
) -> list[EventEnvelope]:
    """What the clients service publishes when a relative is linked to a family."""
    return [at(tenant, when, card(joining, family_id)), family(tenant, when, family_id, *all_)]


def attends(api: Api, tenant: uuid.UUID, client: uuid.UUID) -> None:
    payload = AttendanceMarked(
        mark_id=uuid.uuid4(),
        lesson_id=uuid.uuid4(),
        group_id=uuid.uuid4(),
        branch_id=uuid.uuid4(),
        client_id=client,
        lesson_date=TODAY,
        status="attended",
    )
    api.deliver_envelopes([at(tenant, datetime.now(UTC), payload)])


def classes_left(api: Api, owner: Principal, client: uuid.UUID, pack: dict[str, Any]) -> int:
    response = api.call("GET", f"/clients/{client}/packs/{pack['id']}", owner)
    assert response.status_code == 200, response.text
    return int(response.json()["pack"]["classes_left"])


def ledger(api: Api, owner: Principal, client: uuid.UUID) -> list[dict[str, Any]]:
    response = api.call("GET", f"/clients/{client}/ledger", owner)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def family_pack(api: Api, owner: Principal, buyer: uuid.UUID) -> dict[str, Any]:
    api.service(owner, kind="one_time", name="Single", price_minor=5000, period=None, classes=None)
    shared = api.service(owner, name="Family x 8", shared=True)
    return api.sell(owner, buyer, service_id=shared["id"], payment_mode="paid", method="cash")


def test_relatives_use_the_family_pack_while_they_are_in_the_family(api: Api) -> None:
    fix_today(api)
    tenant = api.organisation()
    owner = staff(tenant)
    mum, son, daughter = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    fam = uuid.uuid4()
    api.deliver_envelopes([at(tenant, T0, card(mum, fam)), *join(tenant, T0, fam, son, mum, son)])
    pack = family_pack(api, owner, mum)
    assert pack["members"] == [str(mum)]  # nobody named: the family alone shares it

    attends(api, tenant, son)
    assert classes_left(api, owner, mum, pack) == 7
    used = [e for e in ledger(api, owner, son) if e["kind"] == "use"]
    assert [(e["client_id"], e["other_client_id"]) for e in used] == [(str(son), str(mum))]
    assert used[0]["id"] in {e["id"] for e in ledger(api, owner, mum)}
    from_son = api.call("GET", f"/clients/{son}/packs/{pack['id']}", owner)
    assert from_son.status_code == 200
    assert [u["client_id"] for u in from_son.json()["usages"]] == [str(son)]

    # Not yet in the family: charged at the one-time price; once linked, uses the pack.
    attends(api, tenant, daughter)
    assert (classes_left(api, owner, mum, pack), api.balance(owner, daughter)) == (7, -5000)
    stranger = api.call("GET", f"/clients/{daughter}/packs/{pack['id']}", owner)
    assert stranger.status_code == 404
    api.deliver_envelopes(join(tenant, T0 + timedelta(hours=1), fam, daughter, mum, son, daughter))
    attends(api, tenant, daughter)
    assert classes_left(api, owner, mum, pack) == 6

    # The son leaves: no more classes from the family's pack.
    left_at = T0 + timedelta(hours=2)
    api.deliver_envelopes(
        [at(tenant, left_at, card(son, None)), family(tenant, left_at, fam, mum, daughter)]
    )
    attends(api, tenant, son)
    assert (classes_left(api, owner, mum, pack), api.balance(owner, son)) == (6, -5000)

    # An older state of the family delivered late (held in a retry queue) puts nobody back.
    late = T0 + timedelta(hours=1, minutes=30)
    before_leaving = family(tenant, late, fam, mum, son, daughter)
    api.deliver_envelopes([at(tenant, late, card(son, fam)), before_leaving])
    attends(api, tenant, son)
    assert (classes_left(api, owner, mum, pack), api.balance(owner, son)) == (6, -10_000)

    # The family's own event takes out whoever it no longer lists, card event or not.
    api.deliver_envelopes([family(tenant, T0 + timedelta(hours=3), fam, mum)])
    attends(api, tenant, daughter)
    assert (classes_left(api, owner, mum, pack), api.balance(owner, daughter)) == (6, -10_000)


def test_a_relative_uses_their_own_pack_before_the_familys(api: Api) -> None:
    fix_today(api)
    tenant = api.organisation()
    owner = staff(tenant)
    mum, son, fam = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    api.deliver_envelopes([at(tenant, T0, card(mum, fam)), *join(tenant, T0, fam, son, mum, son)])
    pack = family_pack(api, owner, mum)
    own = api.sell(owner, son, service_id=api.service(owner, classes=1)["id"], payment_mode="none")
    attends(api, tenant, son)
    assert (classes_left(api, owner, son, own), classes_left(api, owner, mum, pack)) == (0, 8)
    attends(api, tenant, son)
    assert (classes_left(api, owner, son, own), classes_left(api, owner, mum, pack)) == (0, 7)


def test_a_family_id_of_another_organisation_never_matches(api: Api) -> None:
    fix_today(api)
    tenant, other = api.organisation(), api.organisation()
    owner, other_owner = staff(tenant), staff(other)
    mum, son, fam = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    api.deliver_envelopes([at(tenant, T0, card(mum, fam)), *join(tenant, T0, fam, son, mum, son)])
    pack = family_pack(api, owner, mum)
    # The same family id arriving in another organisation (a bug or a forged event there),
    # whose family event lists neither the mother nor the son.
    outsider = uuid.uuid4()
    api.deliver_envelopes(join(other, T0 + timedelta(hours=1), fam, outsider, outsider))
    attends(api, other, outsider)
    assert classes_left(api, owner, mum, pack) == 8
    assert [e["kind"] for e in ledger(api, other_owner, outsider)] == []
    seen = api.call("GET", f"/clients/{outsider}/packs/{pack['id']}", other_owner)
    assert seen.status_code == 404
    attends(api, tenant, son)
    assert classes_left(api, owner, mum, pack) == 7  # the family still holds at home


def test_family_and_named_packs_are_the_fallback_after_own_ones() -> None:
    me, mum, cousin, fam = uuid.uuid4(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    visit = Visit(me, DAY, family_id=fam)

    def pack(owner: uuid.UUID, ends_in: int, **kw: Any) -> PackView:
        ends = DAY + timedelta(days=ends_in)
        return PackView(uuid.uuid4(), owner, DAY - timedelta(days=5), ends, 5, **kw)

    own = pack(me, 20)
    family_soon = pack(mum, 2, shared=True, owner_family_id=fam)
    named_later = pack(cousin, 9, shared=True, members=frozenset({cousin, me}))
    other_family = pack(cousin, 1, shared=True, owner_family_id=uuid.uuid4())
    not_shared = pack(mum, 1, owner_family_id=fam)
    assert choose_pack(visit, [family_soon, named_later, own]) is own
    assert choose_pack(visit, [named_later, family_soon, other_family]) is family_soon
    assert choose_pack(visit, [other_family, not_shared]) is None
    assert choose_pack(Visit(me, DAY), [family_soon]) is None  # no family: none shared


def test_a_members_own_pack_list_shows_the_shared_packs_they_may_use(api: Api) -> None:
    fix_today(api)
    tenant = api.organisation()
    owner = staff(tenant)
    mum, son, friend, stranger = (uuid.uuid4() for _ in range(4))
    fam = uuid.uuid4()
    api.deliver_envelopes([at(tenant, T0, card(mum, fam)), *join(tenant, T0, fam, son, mum, son)])
    api.deliver_envelopes([at(tenant, T0, card(friend, None))])
    pack = family_pack(api, owner, mum)
    named = api.service(owner, name="Friends x 4", shared=True)
    with_friend = api.sell(
        owner,
        stranger,
        service_id=named["id"],
        payment_mode="paid",
        method="cash",
        members=[str(friend)],
    )
    solo = api.service(owner, name="Solo x 4")  # not shared: the son's alone
    own = api.sell(owner, son, service_id=solo["id"], payment_mode="none")

    def listed(client: uuid.UUID) -> list[str]:
        response = api.call("GET", f"/clients/{client}/packs", owner)
        assert response.status_code == 200, response.text
        return sorted(p["id"] for p in response.json()["items"])

    assert listed(son) == sorted([pack["id"], own["id"]])
    assert listed(mum) == [pack["id"]]
    assert listed(friend) == [with_friend["id"]]
    assert listed(stranger) == [with_friend["id"]]
    # Out of the family: the family's pack leaves the list; another tenant never sees it.
    api.deliver_envelopes(
        [
            at(tenant, T0 + timedelta(hours=1), card(son, None)),
            family(tenant, T0 + timedelta(hours=1), fam, mum),
        ]
    )
    assert listed(son) == [own["id"]]
    elsewhere = staff(api.organisation())
    assert api.call("GET", f"/clients/{mum}/packs", elsewhere).json()["items"] == []
