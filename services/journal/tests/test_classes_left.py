"""Classes left on a journal row, kept from billing's pack events: each pack state replaces the
copy (never adds to it), an older state delivered late changes nothing, a shared pack counts for
its members too, and a teacher whose finances are hidden does not see it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from crm_contracts.events.billing import PackChanged, PackSold
from crm_contracts.events.clients import ClientUpdated, FamilyChanged

from .conftest import Api, J, Org

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)


def sold(pack: uuid.UUID, client: uuid.UUID, left: int | None, **kw: Any) -> PackSold:
    fields: dict[str, Any] = {
        "pack_id": pack,
        "client_id": client,
        "name": "Singing x 8",
        "kind": "pack",
        "classes_total": left,
        "classes_left": left,
        "starts_on": date(2026, 3, 1),
        "status": "active",
        "price_minor": 40000,
        "currency": "PLN",
        "payment_mode": "paid",
    }
    return PackSold(**(fields | kw))


def changed(
    pack: uuid.UUID, client: uuid.UUID, left: int | None, change: str, **kw: Any
) -> PackChanged:
    fields: dict[str, Any] = {
        "pack_id": pack,
        "client_id": client,
        "name": "Singing x 8",
        "kind": "pack",
        "classes_total": 8,
        "classes_left": left,
        "starts_on": date(2026, 3, 1),
        "status": "active",
        "change": change,
    }
    return PackChanged(**(fields | kw))


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def rows(api: Api, org: Org, group: dict[str, Any], **kw: Any) -> dict[str, Any]:
    principal = kw.pop("principal", org.owner)
    journal = api.ok(
        "GET",
        f"{J}/groups/{group['id']}/journal?from_date=2026-03-01&until_date=2026-03-31",
        principal,
    )
    return {r["client_id"]: r for r in journal["rows"]}


def left_of(api: Api, org: Org, group: dict[str, Any], client: uuid.UUID) -> int | None:
    return rows(api, org, group)[str(client)]["classes_left"]  # type: ignore[no-any-return]


def test_pack_states_replace_the_count_and_late_ones_are_ignored(api: Api, org: Org) -> None:
    group = api.group(org)
    client = uuid.UUID(api.enrol(org, group)["client_id"])
    assert left_of(api, org, group, client) is None  # no pack seen yet
    pack = uuid.uuid4()
    assert api.deliver(sold(pack, client, 8), org.tenant, "billing", time=at(0)) == ["done"]
    assert left_of(api, org, group, client) == 8
    used = changed(pack, client, 7, "class_used", classes_delta=-1)
    assert api.deliver(used, org.tenant, "billing", time=at(2)) == ["done"]
    assert left_of(api, org, group, client) == 7  # replaced, not 8 + 7
    # The same state again (a replay with a new id) replaces it with itself.
    assert api.deliver(used, org.tenant, "billing", time=at(2)) == ["done"]
    assert left_of(api, org, group, client) == 7
    # A state older than the one kept, delivered late, changes nothing.
    late = changed(pack, client, 8, "class_returned", classes_delta=1)
    assert api.deliver(late, org.tenant, "billing", time=at(1)) == ["done"]
    assert left_of(api, org, group, client) == 7

    # A second active pack adds its own classes; an unlimited one adds none.
    second, unlimited = uuid.uuid4(), uuid.uuid4()
    api.deliver(sold(second, client, 4), org.tenant, "billing", time=at(3))
    api.deliver(sold(unlimited, client, None), org.tenant, "billing", time=at(3))
    assert left_of(api, org, group, client) == 11
    # A pack that stops being active leaves the count; none active left is 0, not unknown.
    api.deliver(
        changed(pack, client, 7, "refunded", status="refunded"), org.tenant, "billing", time=at(4)
    )
    assert left_of(api, org, group, client) == 4
    api.deliver(
        changed(second, client, 4, "expired", status="expired"), org.tenant, "billing", time=at(5)
    )
    assert left_of(api, org, group, client) == 0


def test_an_event_delivered_twice_has_one_effect(api: Api, org: Org) -> None:
    group = api.group(org)
    client = uuid.UUID(api.enrol(org, group)["client_id"])
    pack = uuid.uuid4()
    api.deliver(sold(pack, client, 5), org.tenant, "billing", time=at(0))
    event_id = uuid.uuid4()
    used = changed(pack, client, 4, "class_used")
    assert api.deliver(used, org.tenant, "billing", id=event_id, time=at(1)) == ["done"]
    assert api.deliver(used, org.tenant, "billing", id=event_id, time=at(1)) == ["duplicate"]
    assert left_of(api, org, group, client) == 4
    [inbox] = api.sql("SELECT count(*) AS n FROM inbox WHERE event_id = $1", event_id)
    assert inbox["n"] == 1


def test_a_shared_pack_counts_for_its_members_and_a_transfer_moves_the_count(
    api: Api, org: Org
) -> None:
    group = api.group(org)
    parent = uuid.UUID(api.enrol(org, group)["client_id"])
    child = uuid.UUID(api.enrol(org, group)["client_id"])
    friend = uuid.UUID(api.enrol(org, group)["client_id"])
    family = uuid.uuid4()
    shared = sold(family, parent, 10, shared=True, members=[child])
    api.deliver(shared, org.tenant, "billing", time=at(0))
    assert (left_of(api, org, group, parent), left_of(api, org, group, child)) == (10, 10)
    # The child leaves the pack's members: the child's count follows.
    alone = changed(family, parent, 9, "class_used", shared=True, members=[])
    api.deliver(alone, org.tenant, "billing", time=at(1))
    assert (left_of(api, org, group, parent), left_of(api, org, group, child)) == (9, 0)
    # A transfer is one state per pack: the friend's new pack carries what was moved.
    moved = uuid.uuid4()
    api.deliver(
        changed(family, parent, 6, "transferred_out", other_client_id=friend, shared=True),
        org.tenant,
        "billing",
        time=at(2),
    )
    api.deliver(sold(moved, friend, 3), org.tenant, "billing", time=at(2))
    assert (left_of(api, org, group, parent), left_of(api, org, group, friend)) == (6, 3)


def test_a_shared_pack_counts_for_the_owners_family_as_it_is_now(api: Api, org: Org) -> None:
    group = api.group(org)
    parent, child, cousin = (uuid.UUID(api.enrol(org, group)["client_id"]) for _ in range(3))
    family = uuid.uuid4()
    pack = uuid.uuid4()
    api.deliver(sold(pack, parent, 10, shared=True, members=[]), org.tenant, "billing", time=at(0))
    assert (left_of(api, org, group, parent), left_of(api, org, group, child)) == (10, None)
    joined = FamilyChanged(family_id=family, member_ids=[parent, child])
    assert api.deliver(joined, org.tenant, "clients", time=at(1)) == ["done"]
    assert (left_of(api, org, group, parent), left_of(api, org, group, child)) == (10, 10)
    used = changed(pack, parent, 9, "class_used", shared=True, members=[])
    api.deliver(used, org.tenant, "billing", time=at(2))
    assert left_of(api, org, group, child) == 9
    # An older family event delivered late changes nothing; the newest one wins.
    moved = FamilyChanged(family_id=family, member_ids=[parent, cousin])
    api.deliver(moved, org.tenant, "clients", time=at(4))
    api.deliver(joined, org.tenant, "clients", time=at(3))
    assert (left_of(api, org, group, child), left_of(api, org, group, cousin)) == (0, 9)
    # A pack that is not shared stays its owner's.
    own = uuid.uuid4()
    api.deliver(sold(own, cousin, 4), org.tenant, "billing", time=at(5))
    assert (left_of(api, org, group, parent), left_of(api, org, group, cousin)) == (9, 13)
    # The cousin's own card says no family any more (newer): the family pack goes.
    card = ClientUpdated(client_id=cousin, first_name="C", last_name="C", family_id=None)
    api.deliver(card, org.tenant, "clients", time=at(6))
    assert (left_of(api, org, group, parent), left_of(api, org, group, cousin)) == (9, 4)


def test_classes_left_stay_within_the_organisation_and_hide_with_the_balance(
    api: Api, org: Org
) -> None:
    group = api.group(org)
    client = uuid.UUID(api.enrol(org, group)["client_id"])
    pack = uuid.uuid4()
    api.deliver(sold(pack, client, 8), org.tenant, "billing", time=at(0))
    # The same pack id published for another organisation changes nothing here.
    other = Org()
    api.deliver(changed(pack, client, 1, "class_used"), other.tenant, "billing", time=at(5))
    assert left_of(api, org, group, client) == 8
    hidden = rows(api, org, group, principal=org.teacher(group["id"], finances_hidden=True))
    assert hidden[str(client)]["classes_left"] is None
    assert hidden[str(client)]["balance_minor"] is None
    shown = rows(api, org, group, principal=org.teacher(group["id"]))
    assert shown[str(client)]["classes_left"] == 8
