"""The staff read model after an upgrade: its rows missing until identity announces its
state again (identity's access_events.py). A re-announce is the same access payload under a
new event id, at the time of the state it carries."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.identity import AccessChanged

from .conftest import Api, Org, staff
from .test_scope import NO_SUCH_STAFF, _task


def access(
    user: uuid.UUID,
    role: str,
    *,
    status: str = "active",
    branches: frozenset[uuid.UUID] = frozenset(),
    groups: frozenset[uuid.UUID] = frozenset(),
) -> AccessChanged:
    return AccessChanged(
        user_id=user,
        role=role,
        status=status,
        finances_hidden=False,
        organisation_wide=role == "owner",
        branch_ids=sorted(branches),
        group_ids=sorted(groups),
    )


def again(envelope: EventEnvelope) -> EventEnvelope:
    """The re-announce of the state `envelope` published: a new id, the same time."""
    return envelope.model_copy(update={"id": uuid.uuid4()})


def staff_of(api: Api, org: Org) -> set[uuid.UUID]:
    rows = api.sql("SELECT user_id FROM staff_members WHERE tenant_id = $1", org.tenant_id)
    return {r["user_id"] for r in rows}


def test_staff_missing_after_an_upgrade_come_back_with_identitys_announce(api: Api) -> None:
    org = api.organisation()
    group = api.group(org)
    client = api.client_of(org, branch_id=str(org.branch_id))
    api.enrol(org, client["id"], group)
    at = datetime.now(UTC) - timedelta(days=30)
    admin_id, teacher_id, owner_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    published = [
        api.envelope(
            access(admin_id, "admin", branches=frozenset({org.branch_id})),
            org.tenant_id,
            admin_id,
            at,
        ),
        api.envelope(
            access(teacher_id, "teacher", groups=frozenset({group})), org.tenant_id, teacher_id, at
        ),
        api.envelope(access(owner_id, "owner"), org.tenant_id, owner_id, at),
    ]
    api.deliver(*published)
    admin = staff(org.tenant_id, "admin", branches={org.branch_id}, user=admin_id)
    teacher = staff(org.tenant_id, "teacher", groups={group}, user=teacher_id)
    # A deployment upgraded past the read model's migration: the table starts empty.
    api.sql("DELETE FROM staff_members WHERE tenant_id = $1", org.tenant_id)
    refused = _task(api, admin, client["id"], teacher_id)
    assert refused.json()["errors"] == NO_SUCH_STAFF
    # The events already handled are dropped by the inbox: a re-announce needs new ids.
    api.deliver(*published)
    assert staff_of(api, org) == set()
    api.deliver(*[again(e) for e in published])
    assert staff_of(api, org) == {admin_id, teacher_id, owner_id}
    for caller, assignee in ((admin, teacher_id), (admin, owner_id), (teacher, admin_id)):
        created = _task(api, caller, client["id"], assignee)
        assert created.status_code == 201, created.text
    # Announced once more (an operator's command): nothing changes.
    before = api.sql(
        "SELECT * FROM staff_members WHERE tenant_id = $1 ORDER BY user_id", org.tenant_id
    )
    api.deliver(*[again(e) for e in published])
    after = api.sql(
        "SELECT * FROM staff_members WHERE tenant_id = $1 ORDER BY user_id", org.tenant_id
    )
    assert after == before


def test_a_re_announced_older_state_does_not_overwrite_a_newer_one(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, branch_id=str(org.branch_id))
    teacher_id = uuid.uuid4()
    at = datetime.now(UTC) - timedelta(days=1)
    active = api.envelope(access(teacher_id, "teacher"), org.tenant_id, teacher_id, at)
    api.deliver(active)
    # identity read the active state for a re-announce while the owner deactivated them;
    # the deactivation is delivered first, the re-announce (at the active state's time) after.
    deactivated = access(teacher_id, "teacher", status="deactivated")
    api.deliver(api.envelope(deactivated, org.tenant_id, teacher_id, at + timedelta(seconds=1)))
    api.deliver(again(active))
    [row] = api.sql("SELECT status FROM staff_members WHERE user_id = $1", teacher_id)
    assert row["status"] == "deactivated"
    assert _task(api, org.owner, client["id"], teacher_id).json()["errors"] == NO_SUCH_STAFF
