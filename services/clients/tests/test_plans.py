"""The limit of active clients comes from identity: the plan a new organisation starts on
(a deployment setting) and what operators set later, newest event first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from crm_contracts.events.identity import OrganisationPlanChanged, OrganisationRegistered

from .conftest import Api, Org, staff

CLIENTS = "/api/v1/clients/clients"


def registered(api: Api, plan: str | None, limit: int | None = None) -> Org:
    tenant = uuid.uuid4()
    api.deliver(
        api.envelope(
            OrganisationRegistered(
                organisation_id=tenant,
                name="School",
                currency="PLN",
                time_zone="Europe/Warsaw",
                locale="pl",
                first_branch_id=uuid.uuid4(),
                owner_user_id=uuid.uuid4(),
                plan=plan,
                max_active_clients=limit,
            ),
            tenant,
            tenant,
        )
    )
    return Org(tenant, uuid.uuid4(), staff(tenant, "owner"))


def plan_changed(
    api: Api, org: Org, plan: str, limit: int | None, at: datetime | None = None
) -> None:
    api.deliver(
        api.envelope(
            OrganisationPlanChanged(
                organisation_id=org.tenant_id, plan=plan, max_active_clients=limit
            ),
            org.tenant_id,
            org.tenant_id,
            at=at,
        )
    )


def add(api: Api, org: Org) -> int:
    return int(
        api.call("POST", CLIENTS, org.owner, json={"first_name": "A", "last_name": "B"}).status_code
    )


def test_a_standard_organisation_has_no_limit_and_a_free_one_three(api: Api) -> None:
    standard = registered(api, "standard")
    assert [add(api, standard) for _ in range(5)] == [201] * 5
    free = registered(api, "free", 3)
    assert [add(api, free) for _ in range(4)] == [201, 201, 201, 409]
    older = registered(api, None)  # an event from before plans had limits: the free plan
    assert [add(api, older) for _ in range(4)] == [201, 201, 201, 409]


def test_an_operators_plan_change_sets_the_limit_and_a_late_older_one_does_not(
    api: Api,
) -> None:
    org = registered(api, "free", 3)
    assert [add(api, org) for _ in range(4)] == [201, 201, 201, 409]
    plan_changed(api, org, "standard", 5)
    assert [add(api, org) for _ in range(3)] == [201, 201, 409]
    refused = api.call("POST", CLIENTS, org.owner, json={"first_name": "A", "last_name": "B"})
    assert refused.json()["detail"] == (
        "the standard plan allows 5 active clients and this organisation has 5; "
        "archive a client or ask for a larger plan"
    )
    plan_changed(api, org, "free", 3, at=datetime.now(UTC) - timedelta(hours=1))
    plan_changed(api, org, "standard", None)
    assert add(api, org) == 201
    row = api.sql(
        "SELECT plan, max_active_clients FROM organisations WHERE id = $1", org.tenant_id
    )[0]
    assert (row["plan"], row["max_active_clients"]) == ("standard", None)
