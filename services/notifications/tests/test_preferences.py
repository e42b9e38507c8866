"""The client's own preferences from the portal: the session's clients only (another family's
client is 404, as is a staff token), transactional refused, and an opt-out set by the client
skips a reminder as a staff one does."""

from __future__ import annotations

import uuid

from crm_contracts.events.clients import ClientUpdated
from crm_platform.internal_auth import Principal

from .conftest import Api, N, Org
from .test_rules import due

P = "/portal/v1/preferences"


def portal(org: Org, *clients: uuid.UUID) -> Principal:
    return Principal(
        tenant_id=org.tenant,
        subject=str(uuid.uuid4()),
        realm="portal",
        client_ids=frozenset(clients),
    )


def test_the_client_opts_out_of_reminders_from_the_portal(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, email="mine@example.com")
    other = api.client_of(org, email="theirs@example.com")
    me = portal(org, client)
    body = {"category": "reminders", "channel": "email", "opted_out": True}
    assert api.ok("GET", P, me)["items"] == []
    assert api.ok("PUT", P, me, json=body)["items"] == [
        {"category": "reminders", "channel": "email", "source": "client"}
    ]
    assert api.ok("GET", P, me, params={"client_id": str(client)})["items"] == [
        {"category": "reminders", "channel": "email", "source": "client"}
    ]
    staff_view = api.ok("GET", f"{N}/clients/{client}/opt-outs", org.owner)["items"]
    assert staff_view == [{"category": "reminders", "channel": "email", "source": "client"}]
    api.send(due(client), org.tenant)
    (row,) = api.messages(client_id=client)
    assert (row["status"], row["reason"]) == ("skipped", "opted out")

    transactional = api.call("PUT", P, me, json=body | {"category": "transactional"})
    assert transactional.status_code == 422
    assert "category" in transactional.text

    # another family's client, in the body or the query, does not exist for this session
    assert api.call("PUT", P, me, json=body | {"client_id": str(other)}).status_code == 404
    assert api.call("GET", P, me, params={"client_id": str(other)}).status_code == 404
    assert api.ok("GET", f"{N}/clients/{other}/opt-outs", org.owner)["items"] == []
    # the same client id under another organisation's session is not found either
    assert api.call("GET", P, portal(Org(), client)).status_code == 404
    # staff and personal links are not the client's session
    assert api.call("GET", P, org.owner).status_code == 404
    assert api.call("PUT", P, org.owner, json=body).status_code == 404
    link = Principal(
        tenant_id=org.tenant,
        subject=str(uuid.uuid4()),
        realm="anonymous",
        client_ids=frozenset({client}),
    )
    assert api.call("GET", P, link).status_code == 404

    assert api.ok("PUT", P, me, json=body | {"opted_out": False})["items"] == []
    assert api.ok("GET", f"{N}/clients/{client}/opt-outs", org.owner)["items"] == []


def test_a_session_with_two_clients_chooses_by_id_and_defaults_to_the_first(api: Api) -> None:
    org = api.organisation()
    first, second = sorted([api.client_of(org), api.client_of(org)])
    both = portal(org, first, second)
    body = {"category": "news", "channel": "sms", "opted_out": True}
    api.ok("PUT", P, both, json=body | {"client_id": str(second)})
    assert api.ok("GET", P, both)["items"] == []
    assert api.ok("GET", P, both, params={"client_id": str(second)})["items"] == [
        {"category": "news", "channel": "sms", "source": "client"}
    ]


def test_a_parent_sets_a_family_members_preferences_and_no_one_elses(api: Api) -> None:
    org = api.organisation()
    family, other_family = uuid.uuid4(), uuid.uuid4()
    parent = api.client_of(org, family_id=family)
    child = api.client_of(org, email="child@example.com", family_id=family)
    stranger = api.client_of(org, family_id=other_family)
    loner = api.client_of(org)
    me = portal(org, parent)
    body = {"category": "reminders", "channel": "email", "opted_out": True}
    assert api.ok("PUT", P, me, json=body | {"client_id": str(child)})["items"] == [
        {"category": "reminders", "channel": "email", "source": "client"}
    ]
    assert api.ok("GET", f"{N}/clients/{child}/opt-outs", org.owner)["items"] == [
        {"category": "reminders", "channel": "email", "source": "client"}
    ]
    assert api.ok("GET", P, me)["items"] == []  # the parent's own stay as they were
    for outsider in (stranger, loner):
        assert api.call("PUT", P, me, json=body | {"client_id": str(outsider)}).status_code == 404
        assert api.call("GET", P, me, params={"client_id": str(outsider)}).status_code == 404
        assert api.ok("GET", f"{N}/clients/{outsider}/opt-outs", org.owner)["items"] == []
    # a session whose own client has no family reaches no one through a null family
    assert (
        api.call("GET", P, portal(org, loner), params={"client_id": str(child)}).status_code == 404
    )

    # the child leaves the family (the clients service publishes the card again): 404 at once
    api.send(
        ClientUpdated(
            client_id=child,
            first_name="Anna",
            last_name="Nowak",
            email="child@example.com",
            email_confirmed=True,
            branch_id=org.branch,
            family_id=None,
        ),
        org.tenant,
    )
    assert api.call("GET", P, me, params={"client_id": str(child)}).status_code == 404
