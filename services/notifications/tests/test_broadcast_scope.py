"""Broadcasts keep to libs' scope rule: a group or branch named as the audience that the
sender cannot see answers as one that does not exist, and a branch admin reads and cancels
only the broadcasts they sent (another sender's names clients and counts they cannot see)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from crm_contracts.events.journal import EnrolmentStarted

from .conftest import Api, N, Org, staff


def _enrol(api: Api, org: Org, client: uuid.UUID, group: uuid.UUID, branch: uuid.UUID) -> None:
    api.send(
        EnrolmentStarted(
            enrolment_id=uuid.uuid4(),
            group_id=group,
            branch_id=branch,
            client_id=client,
            from_date=date(2026, 1, 1),
        ),
        org.tenant,
    )


def _unknown(response: Any) -> dict[str, Any]:
    assert response.status_code == 404, response.text
    answer: dict[str, Any] = response.json()
    answer.pop("instance", None)
    return answer


def test_an_unseen_group_or_branch_is_answered_as_an_unknown_one(api: Api) -> None:
    org = api.organisation()
    north, north_group, centre_group = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    # A Centre client in a North group: the Centre admin sees the client, not the group.
    pupil = api.client_of(org)
    _enrol(api, org, pupil, north_group, north)
    _enrol(api, org, pupil, centre_group, org.branch)
    admin = staff(org.tenant, "admin", branch_ids=frozenset({org.branch}))
    teacher = staff(org.tenant, "teacher", group_ids=frozenset({north_group}))
    audience = f"{N}/broadcasts/audience"
    for caller, kind, unseen, seen in (
        (admin, "group", north_group, centre_group),
        (teacher, "branch", org.branch, None),
        (teacher, "group", centre_group, north_group),
    ):
        refused = api.call("POST", audience, caller, json={"kind": kind, "id": str(unseen)})
        unknown = api.call("POST", audience, caller, json={"kind": kind, "id": str(uuid.uuid4())})
        assert _unknown(refused) == _unknown(unknown), (caller.role, kind)
        if seen is not None:
            counted = api.ok("POST", audience, caller, json={"kind": kind, "id": str(seen)})
            assert counted == {"recipients": 1}
    body = {"audience": {"kind": "group", "id": str(north_group)}, "subject": "x", "body": "y"}
    assert api.call("POST", f"{N}/broadcasts", admin, json=body).status_code == 404
    assert api.sql("SELECT 1 FROM broadcasts WHERE tenant_id = $1", org.tenant) == []
    # The owner sees every branch and group.
    owner_count = api.ok(
        "POST", audience, org.owner, json={"kind": "group", "id": str(north_group)}
    )
    assert owner_count == {"recipients": 1}


def test_a_branch_admin_reads_and_cancels_only_their_own_broadcasts(api: Api) -> None:
    org = api.organisation()
    north = uuid.uuid4()
    mine = api.client_of(org)
    far = api.client_of(org, branch_id=north)
    admin = staff(org.tenant, "admin", branch_ids=frozenset({org.branch}))

    def send(caller: Any, client: uuid.UUID) -> str:
        body = {"audience": {"kind": "client", "id": str(client)}, "subject": "Hi", "body": "Hi"}
        sent: str = api.ok("POST", f"{N}/broadcasts", caller, 201, json=body)["id"]
        return sent

    theirs, own = send(org.owner, far), send(admin, mine)
    listed = api.ok("GET", f"{N}/broadcasts", admin)["items"]
    assert [b["id"] for b in listed] == [own]
    assert str(far) not in str(listed)
    for path in (f"{N}/broadcasts/{theirs}", f"{N}/broadcasts/{uuid.uuid4()}"):
        assert api.call("GET", path, admin).status_code == 404
    assert api.call("POST", f"{N}/broadcasts/{theirs}/cancel", admin).status_code == 404
    assert api.ok("GET", f"{N}/broadcasts/{theirs}", org.owner)["status"] == "sending"
    everything = api.ok("GET", f"{N}/broadcasts", org.owner)["items"]
    assert {b["id"] for b in everything} == {theirs, own}
    assert api.ok("GET", f"{N}/broadcasts/{own}", org.owner)["audience_id"] == str(mine)
    stranger = api.organisation().owner
    assert api.ok("GET", f"{N}/broadcasts", stranger)["items"] == []
    assert api.call("GET", f"{N}/broadcasts/{own}", stranger).status_code == 404
