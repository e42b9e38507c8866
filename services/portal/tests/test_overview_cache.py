"""The overview's cache: an answer is served again until an event of the organisation (or a
message read) raises its version, a new day in the organisation's time zone, or a change of
family; each caller and client has an entry of its own."""

from __future__ import annotations

import uuid
from datetime import date

from crm_contracts.events import billing as b
from crm_contracts.events import clients as c
from crm_contracts.events import notifications as n

from .conftest import T0, TODAY, Api, Org, P, account


def balance(api: Api, org: Org, minor: int) -> None:
    api.deliver(org, b.BalanceChanged(client_id=org.child, balance_minor=minor, currency="PLN"))


def test_an_answer_is_kept_until_the_organisation_changes(api: Api, org: Org) -> None:
    parent = account(org.tenant, org.parent)
    balance(api, org, -5_000)
    first = api.get(f"{P}/overview", parent, client_id=org.child)
    assert first["balance"]["amount_minor"] == -5_000
    # Written behind the consumers' back: the kept answer is served, not the table.
    api.sql("UPDATE rm_clients SET balance_minor = -1 WHERE client_id = $1", org.child)
    assert api.get(f"{P}/overview", parent, client_id=org.child) == first
    # Any event of the organisation raises its version: the next answer is computed again.
    balance(api, org, -7_000)
    assert api.get(f"{P}/overview", parent, client_id=org.child)["balance"]["amount_minor"] == (
        -7_000
    )
    # Another organisation's events leave this one's answers kept.
    other = Org()
    api.deliver(other, *other.basics())
    api.sql("UPDATE rm_clients SET balance_minor = -2 WHERE client_id = $1", org.child)
    kept = api.get(f"{P}/overview", parent, client_id=org.child)
    assert kept["balance"]["amount_minor"] == -7_000


def test_a_message_read_a_new_day_and_the_family_each_count(api: Api, org: Org) -> None:
    parent = account(org.tenant, org.parent)
    message = uuid.uuid4()
    api.deliver(
        org,
        n.MessageSent(
            message_id=message,
            client_id=org.parent,
            trigger="broadcast",
            category="news",
            channel="email",
            locale="pl",
            subject="Concert",
            text="Friday",
            sent_at=T0,
        ),
    )
    assert api.get(f"{P}/overview", parent)["unread_messages"] == 1
    api.ok("POST", f"{P}/messages/{message}/read", parent, status=204)
    assert api.get(f"{P}/overview", parent)["unread_messages"] == 0

    # Each client of the family has an answer of its own.
    jan = api.get(f"{P}/overview", parent, client_id=org.child)
    ola = api.get(f"{P}/overview", parent, client_id=org.other_child)
    assert (jan["client"]["first_name"], ola["client"]["first_name"]) == ("Jan", "Ola")

    # A new day: next lessons and packs are as of that day, not the day kept.
    api.today(date(2026, 3, 20))
    try:
        api.sql("UPDATE rm_clients SET first_name = 'Janek' WHERE client_id = $1", org.child)
        assert api.get(f"{P}/overview", parent, client_id=org.child)["client"]["first_name"] == (
            "Janek"
        )
    finally:
        api.today(TODAY)

    # Ola leaves the family: her overview is 404 at once for the parent's account.
    api.deliver(org, c.FamilyChanged(family_id=org.family, member_ids=[org.parent, org.child]))
    assert (
        api.call(
            "GET", f"{P}/overview", parent, params={"client_id": str(org.other_child)}
        ).status_code
        == 404
    )
