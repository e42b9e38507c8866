"""A journal row's balance: 0 in the organisation's currency for a client with no entries
yet (not null), the client's balance once billing told it, null only when finances are
hidden from the caller."""

from __future__ import annotations

import uuid

from crm_contracts.events.billing import BalanceChanged
from crm_contracts.events.identity import OrganisationRegistered

from .conftest import Api, J, Org
from .test_journal_grid import register


def test_a_client_without_entries_shows_a_balance_of_zero(api: Api, org: Org) -> None:
    registered = OrganisationRegistered(
        organisation_id=org.tenant,
        name="School",
        currency="EUR",
        time_zone="Europe/Berlin",
        locale="de",
        first_branch_id=org.branch,
        owner_user_id=uuid.uuid4(),
    )
    assert api.deliver(registered, org.tenant, source="identity") == ["done"]
    group = api.group(org)
    fresh, owing = uuid.uuid4(), uuid.uuid4()
    register(api, org, fresh, "Nina", "Neu")
    register(api, org, owing, "Otto", "Alt")
    api.enrol(org, group, fresh)
    api.enrol(org, group, owing)
    owes = BalanceChanged(client_id=owing, balance_minor=-1200, currency="EUR")
    assert api.deliver(owes, org.tenant, source="billing") == ["done"]

    def rows(principal: object) -> dict[str, tuple[object, object]]:
        journal = api.ok("GET", f"{J}/groups/{group['id']}/journal", principal)
        return {r["first_name"]: (r["balance_minor"], r["currency"]) for r in journal["rows"]}

    assert rows(org.owner) == {"Nina": (0, "EUR"), "Otto": (-1200, "EUR")}
    hidden = org.teacher(group["id"], finances_hidden=True)
    assert rows(hidden) == {"Nina": (None, None), "Otto": (None, None)}
