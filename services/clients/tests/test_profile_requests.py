"""Profile change requests from the portal: kept for staff, approved (the card changes, a new
email waits for its confirmation) or rejected with a reason; each step answered to the portal."""

from __future__ import annotations

import uuid
from typing import Any

from crm_contracts.events.portal import ProfileChangeRequested, ProfileChanges

from .conftest import Api, Org, staff

PR = "/api/v1/clients/profile-requests"


def ask(api: Api, org: Org, client_id: str, **changes: Any) -> uuid.UUID:
    request = uuid.uuid4()
    payload = ProfileChangeRequested(
        request_id=request,
        client_id=uuid.UUID(client_id),
        changes=ProfileChanges.model_validate(changes),
    )
    api.deliver(api.envelope(payload, org.tenant_id, request))
    return request


def answers(api: Api, request: uuid.UUID) -> list[tuple[str, str | None]]:
    return [
        (e["data"]["status"], e["data"]["reason"])
        for e in api.events("clients.profile_change_decided", str(request))
    ]


def test_approved_changes_the_card_and_rejected_says_why(api: Api) -> None:
    org = api.organisation()
    card = api.client_of(org, phone="+48 600 100 200")
    first = ask(api, org, card["id"], last_name="Kowalska", email="anna@new.example.com")
    second = ask(api, org, card["id"], first_name="Ania")
    assert answers(api, first) == [("received", None)]
    pending = api.ok("GET", PR, org.owner)["items"]
    assert [(p["id"], p["changes"]) for p in pending] == [
        (str(first), {"last_name": "Kowalska", "email": "anna@new.example.com"}),
        (str(second), {"first_name": "Ania"}),
    ]
    approved = api.ok("POST", f"{PR}/{first}/approve", org.owner)
    assert approved["status"] == "approved"
    changed = api.ok("GET", f"/api/v1/clients/clients/{card['id']}", org.owner)
    assert (changed["last_name"], changed["email"]) == ("Kowalska", "anna@new.example.com")
    assert changed["email_confirmed"] is False  # the confirmation letter goes out as usual
    assert answers(api, first)[-1] == ("approved", None)
    rejected = api.ok(
        "POST", f"{PR}/{second}/reject", org.owner, json={"reason": "Ask at the desk"}
    )
    assert rejected["status"] == "rejected"
    assert answers(api, second)[-1] == ("rejected", "Ask at the desk")
    assert api.call("POST", f"{PR}/{second}/approve", org.owner).status_code == 409
    assert api.ok("GET", PR, org.owner)["items"] == []
    # A redelivered request is not kept twice.
    api.deliver(
        api.envelope(
            ProfileChangeRequested(
                request_id=first,
                client_id=uuid.UUID(card["id"]),
                changes=ProfileChanges(last_name="X"),
            ),
            org.tenant_id,
            first,
        )
    )
    assert len(answers(api, first)) == 2


def test_staff_of_another_branch_or_organisation_never_see_it(api: Api) -> None:
    org, other = api.organisation(), api.organisation()
    card = api.client_of(org, branch_id=str(org.branch_id))
    request = ask(api, org, card["id"], first_name="Ola")
    elsewhere = staff(org.tenant_id, "admin", branches={uuid.uuid4()})
    assert api.ok("GET", PR, elsewhere)["items"] == []
    assert api.call("POST", f"{PR}/{request}/approve", elsewhere).status_code == 404
    assert api.call("POST", f"{PR}/{request}/approve", other.owner).status_code == 404
    teacher = staff(org.tenant_id, "teacher", branches={org.branch_id})
    assert api.call("POST", f"{PR}/{request}/approve", teacher).status_code == 403
    # A request for a client the organisation does not have is refused back to the portal.
    stray = ask(api, org, str(uuid.uuid4()), first_name="Nobody")
    assert answers(api, stray) == [("refused", "no such client")]
