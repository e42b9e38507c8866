"""A new lead is emailed to the staff who run its branch: the owner and the branch's admins
(known from identity's access events), once each even when the event arrives twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from crm_contracts.events.clients import LeadCreated
from crm_contracts.events.identity import AccessChanged, StaffInvitedV2
from crm_platform.dev_keys import DEV_SEAL_PUBLIC_KEY
from crm_platform.sealing import seal

from .conftest import Api, Org, text_of, wait_for


def access(api: Api, org: Org, role: str, email: str | None, **kw: object) -> uuid.UUID:
    user_id = uuid.uuid4()
    fields: dict[str, object] = {
        "user_id": user_id,
        "role": role,
        "status": "active",
        "finances_hidden": False,
        "organisation_wide": role == "owner",
        "branch_ids": [org.branch] if role != "owner" else [],
        "group_ids": [],
        "email": email,
        "name": f"{role.title()} Person",
    } | kw
    api.send(AccessChanged(**fields), org.tenant)  # type: ignore[arg-type]
    return user_id


def test_a_new_lead_is_emailed_once_to_the_owner_and_the_branchs_admins(api: Api) -> None:
    org = api.organisation(locale="ru", name="Школа")
    access(api, org, "owner", "owner@lead.test")
    access(api, org, "admin", "admin@lead.test")
    access(api, org, "admin", "elsewhere@lead.test", branch_ids=[uuid.uuid4()])
    access(api, org, "admin", "gone@lead.test", status="deactivated")
    access(api, org, "teacher", "teacher@lead.test")
    lead = LeadCreated(
        lead_id=uuid.uuid4(),
        first_name="Ivan",
        last_name="Petrov",
        phone="+48600100200",
        source="website",
        branch_id=org.branch,
    )
    event = api.envelope(lead, org.tenant, source="clients")
    assert api.deliver(event) == ["done"]
    assert api.deliver(event) == ["duplicate"]
    # the same lead published again under another envelope
    api.send(lead, org.tenant)

    (to_owner,) = wait_for(lambda: api.smtp.to("owner@lead.test"))
    (to_admin,) = wait_for(lambda: api.smtp.to("admin@lead.test"))
    wait_for(lambda: len(api.messages(trigger="lead_created", status="sent")) >= 2)
    rows = [r for r in api.messages(trigger="lead_created") if r["tenant_id"] == org.tenant]
    assert sorted(r["address"] for r in rows) == ["admin@lead.test", "owner@lead.test"]
    assert to_admin["Subject"] == "Новая заявка: Ivan Petrov"
    body = text_of(to_admin)
    assert "Телефон: +48600100200" in body
    assert "Источник: website" in body
    assert "Почта" not in body
    assert "Owner" in text_of(to_owner)
    for other in ("elsewhere@lead.test", "gone@lead.test", "teacher@lead.test"):
        assert api.smtp.to(other) == []


def test_an_admin_known_without_an_address_is_written_to_once_the_invitation_gives_one(
    api: Api,
) -> None:
    org = api.organisation()
    admin = access(api, org, "admin", None)
    lead = LeadCreated(lead_id=uuid.uuid4(), first_name="Jan", last_name="Nowak")
    api.send(lead, org.tenant)
    assert [r for r in api.messages(trigger="lead_created") if r["tenant_id"] == org.tenant] == []
    invited = StaffInvitedV2(
        user_id=admin,
        email="late@lead.test",
        name="Late Admin",
        role="admin",
        sealed_token=seal(DEV_SEAL_PUBLIC_KEY, "invite", "t" * 40),
        expires_at=datetime(2026, 12, 9, tzinfo=UTC),
    )
    api.send(invited, org.tenant)
    api.send(LeadCreated(lead_id=uuid.uuid4(), first_name="Jan", last_name="Nowak"), org.tenant)
    letters = wait_for(
        lambda: len(api.smtp.to("late@lead.test")) == 2 and api.smtp.to("late@lead.test")
    )
    assert sorted(str(m["Subject"]) for m in letters) == [
        "New lead: Jan Nowak",
        "You are invited to Music school",
    ]


def test_an_older_access_delivered_late_does_not_undo_a_newer_one(api: Api) -> None:
    """identity's re-announce of a state read before a change carries that state's time."""
    org = api.organisation()
    user_id = uuid.uuid4()
    now = datetime.now(UTC)

    def state(status: str, at: datetime) -> list[str]:
        payload = AccessChanged(
            user_id=user_id,
            role="admin",
            status=status,
            finances_hidden=False,
            organisation_wide=False,
            branch_ids=[org.branch],
            group_ids=[],
            email="late@lead.test",
            name="Late Admin",
        )
        return api.deliver(api.envelope(payload, org.tenant, source="identity", time=at))

    assert state("deactivated", now) == ["done"]
    assert state("active", now - timedelta(seconds=1)) == ["done"]
    [row] = api.sql("SELECT status, access_as_of FROM staff WHERE user_id = $1", user_id)
    assert (row["status"], row["access_as_of"]) == ("deactivated", now)
    # the same state again (a re-announce under a new id, at the same time) is kept
    assert state("deactivated", now) == ["done"]
    assert state("active", now + timedelta(seconds=1)) == ["done"]
    [row] = api.sql("SELECT status FROM staff WHERE user_id = $1", user_id)
    assert row["status"] == "active"
