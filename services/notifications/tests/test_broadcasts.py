"""Broadcasts: the audience within the sender's scope, counted before and frozen at send,
opt-outs and archived clients respected, a daily cap per client, throttled, cancellable."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Iterator
from datetime import date

import pytest
from fastapi.testclient import TestClient
from notifications_svc.main import create_app

from crm_contracts.events.clients import ClientArchived
from crm_contracts.events.journal import EnrolmentStarted
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.testing import server_database_url

from .conftest import SERVICE_DIR, Api, Mailbox, N, Org, app_settings, staff, wait_for

TAG = uuid.uuid4()


def tagged(api: Api, org: Org, email: str, branch: uuid.UUID | None = None) -> uuid.UUID:
    return api.client_of(org, email=email, tag_ids=[TAG], branch_id=branch or org.branch)


def test_a_tag_broadcast_reaches_exactly_the_tagged_not_opted_out_clients(api: Api) -> None:
    org = api.organisation()
    other_branch = uuid.uuid4()
    tagged(api, org, "b-first@example.com")
    opted = tagged(api, org, "b-opted@example.com")
    archived = tagged(api, org, "b-archived@example.com")
    tagged(api, org, "b-far@example.com", branch=other_branch)
    api.client_of(org, email="b-untagged@example.com")
    api.send(ClientArchived(client_id=archived), org.tenant)
    api.ok(
        "PUT",
        f"{N}/clients/{opted}/opt-outs",
        org.owner,
        json={"category": "news", "channel": "email", "opted_out": True},
    )
    audience = {"kind": "tag", "id": str(TAG)}
    counted = api.ok("POST", f"{N}/broadcasts/audience", org.owner, json=audience)
    assert counted == {"recipients": 3}
    admin = staff(org.tenant, "admin", branch_ids=frozenset({org.branch}))
    assert api.ok("POST", f"{N}/broadcasts/audience", admin, json=audience) == {"recipients": 2}
    body = {"audience": audience, "subject": "Concert", "body": "Dear {{ first_name }}, come!"}
    sent = api.ok("POST", f"{N}/broadcasts", org.owner, 201, json=body)
    assert sent["recipients"] == 3
    wait_for(lambda: api.smtp.to("b-first@example.com"))
    wait_for(lambda: api.smtp.to("b-far@example.com"))
    (letter,) = api.smtp.to("b-first@example.com")
    assert str(letter["Subject"]) == "Concert"
    assert "Dear Anna, come!" in letter.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    (skipped,) = api.messages(client_id=opted)
    assert skipped["reason"] == "opted out"
    assert api.messages(client_id=archived) == []
    # frozen: a client tagged afterwards is not added
    tagged(api, org, "b-late@example.com")
    later = api.ok("GET", f"{N}/broadcasts/{sent['id']}", org.owner)
    assert later["recipients"] == 3
    wait_for(
        lambda: (
            api.ok("GET", f"{N}/broadcasts/{sent['id']}", org.owner)["progress"]
            == {"sent": 2, "skipped": 1}
        )
    )
    assert api.smtp.to("b-late@example.com") == []
    assert api.smtp.to("b-untagged@example.com") == []


def test_the_audience_is_limited_to_what_the_sender_may_see(api: Api) -> None:
    org = api.organisation()
    mine, theirs = uuid.uuid4(), uuid.uuid4()
    pupil = api.client_of(org, email="pupil@example.com")
    stranger = api.client_of(org, email="stranger@example.com")
    for client, group in ((pupil, mine), (stranger, theirs)):
        api.send(
            EnrolmentStarted(
                enrolment_id=uuid.uuid4(),
                group_id=group,
                branch_id=org.branch,
                client_id=client,
                from_date=date(2026, 1, 1),
            ),
            org.tenant,
        )
    teacher = staff(org.tenant, "teacher", group_ids=frozenset({mine}))
    count = api.ok("POST", f"{N}/broadcasts/audience", teacher, json={"kind": "all"})
    assert count == {"recipients": 1}
    other_group = api.call(
        "POST", f"{N}/broadcasts/audience", teacher, json={"kind": "group", "id": str(theirs)}
    )
    assert other_group.status_code == 404
    unseen_tag = api.call(
        "POST", f"{N}/broadcasts/audience", org.owner, json={"kind": "tag", "id": str(uuid.uuid4())}
    )
    assert unseen_tag.status_code == 404
    other_client = api.call(
        "POST",
        f"{N}/broadcasts",
        teacher,
        json={"audience": {"kind": "client", "id": str(stranger)}, "subject": "x", "body": "y"},
    )
    assert other_client.status_code == 404
    missing_id = api.call("POST", f"{N}/broadcasts/audience", org.owner, json={"kind": "tag"})
    assert missing_id.status_code == 422
    bad_text = api.call(
        "POST",
        f"{N}/broadcasts",
        org.owner,
        json={"audience": {"kind": "all"}, "subject": "Hi", "body": "{{ balance }}"},
    )
    assert bad_text.status_code == 422
    assert "unknown variable 'balance'" in bad_text.text
    accountant = staff(org.tenant, "accountant", branch_ids=frozenset({org.branch}))
    refused = api.call("POST", f"{N}/broadcasts/audience", accountant, json={"kind": "all"})
    assert refused.status_code == 403
    assert api.sql("SELECT 1 FROM broadcasts WHERE tenant_id = $1", org.tenant) == []


def test_a_client_gets_at_most_three_broadcasts_a_day(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, email="capped@example.com")
    audience = {"kind": "client", "id": str(client)}
    for n in range(4):
        api.ok(
            "POST",
            f"{N}/broadcasts",
            org.owner,
            201,
            json={"audience": audience, "subject": f"News {n}", "body": "Hello"},
        )
    statuses = sorted(r["status"] for r in api.messages(client_id=client))
    assert statuses.count("skipped") == 1
    (capped,) = api.messages(client_id=client, status="skipped")
    assert capped["reason"] == "daily cap reached (3 a day)"
    wait_for(lambda: len(api.smtp.to("capped@example.com")) == 3)


@pytest.fixture(scope="module")
def slow(smtp: Mailbox) -> Iterator[Api]:
    """Broadcasts leaving one message every two seconds."""
    url = with_database(server_database_url(), f"t_notify_bc_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    try:
        settings = app_settings(url, smtp, broadcast_per_second=0.5)
        with TestClient(create_app(settings)) as client:
            yield Api(client, url.replace("+asyncpg", ""), smtp)
    finally:
        asyncio.run(drop_database(url))


def test_a_broadcast_is_throttled_and_cancelling_stops_what_has_not_gone(slow: Api) -> None:
    org = slow.organisation()
    for n in range(3):
        slow.client_of(org, email=f"slow{n}@example.com", tag_ids=[TAG])
    sent = slow.ok(
        "POST",
        f"{N}/broadcasts",
        org.owner,
        201,
        json={"audience": {"kind": "tag", "id": str(TAG)}, "subject": "S", "body": "B"},
    )
    times = sorted(
        r["next_attempt_at"] for r in slow.messages(trigger="broadcast", status="queued")
    )
    assert len(times) >= 2
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert all(gap >= 1.9 for gap in gaps)
    cancelled = slow.ok("POST", f"{N}/broadcasts/{sent['id']}/cancel", org.owner)
    assert cancelled["status"] == "cancelled"
    assert cancelled["progress"].get("skipped", 0) >= 2
    again = slow.call("POST", f"{N}/broadcasts/{sent['id']}/cancel", org.owner)
    assert again.status_code == 409
    skipped = slow.messages(trigger="broadcast", status="skipped")
    assert {r["reason"] for r in skipped} == {"broadcast cancelled"}
    delivered = sum(len(slow.smtp.to(f"slow{n}@example.com")) for n in range(3))
    assert delivered <= 1


def test_a_broadcast_to_thousands_is_queued_whole(api: Api) -> None:
    """More recipients than one INSERT may carry values for (the driver's 32,767): queued
    in several statements, each once."""
    org = api.organisation()
    tag = uuid.uuid4()
    api.sql(
        "INSERT INTO clients (id, tenant_id, first_name, last_name, email, status, tag_ids,"
        " as_of) SELECT gen_random_uuid(), $1, 'Anna', 'Nowak', 'many' || n || '@example.com',"
        " 'active', $2::jsonb, now() FROM generate_series(1, 2500) AS n",
        org.tenant,
        f'["{tag}"]',
    )
    body = {"audience": {"kind": "tag", "id": str(tag)}, "subject": "Fair", "body": "Come!"}
    sent = api.ok("POST", f"{N}/broadcasts", org.owner, 201, json=body)
    api.ok("POST", f"{N}/broadcasts/{sent['id']}/cancel", org.owner)
    assert sent["recipients"] == 2500
    (row,) = api.sql(
        "SELECT count(*) AS n, count(DISTINCT client_id) AS clients FROM messages"
        " WHERE source = $1",
        f"broadcast:{sent['id']}",
    )
    assert (row["n"], row["clients"]) == (2500, 2500)
