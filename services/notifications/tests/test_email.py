"""Triggered email through a real SMTP server: one letter per reason, secrets never stored
in the clear, retries after an outage, one-click unsubscribe, the delivery log."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from notifications_svc.main import create_app

from crm_contracts.events.billing import PaymentDueSoon, PaymentOverdue
from crm_contracts.events.clients import ClientArchived, EmailConfirmationRequestedV2
from crm_contracts.events.identity import PortalCodeIssued, StaffInvitedV2
from crm_contracts.events.journal import EnrolmentStarted
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.dev_keys import DEV_SEAL_PUBLIC_KEY
from crm_platform.sealing import seal
from crm_platform.testing import server_database_url

from .conftest import (
    SERVICE_DIR,
    Api,
    Mailbox,
    N,
    Org,
    app_settings,
    staff,
    text_of,
    wait_for,
)


def due(
    client_id: uuid.UUID, item: uuid.UUID | None = None, amount: int = 12_550
) -> PaymentDueSoon:
    return PaymentDueSoon(
        due_item_id=item or uuid.uuid4(),
        client_id=client_id,
        kind="credit",
        due_on=date(2026, 12, 24),
        amount_minor=amount,
        currency="PLN",
        balance_minor=-amount,
    )


def test_a_due_reminder_delivered_twice_is_one_letter_with_the_amount(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, email="payer@example.com")
    event = api.envelope(due(client), org.tenant)
    assert api.deliver(event) == ["done"]
    assert api.deliver(event) == ["duplicate"]
    # another event for the same due item (a replayed rule) is the same reason
    assert api.send(due(client, item=uuid.UUID(event.data["due_item_id"])), org.tenant) == ["done"]
    (letter,) = wait_for(lambda: api.smtp.to("payer@example.com"))
    assert "125.50" in str(letter["Subject"])
    assert "PLN" in str(letter["Subject"])
    assert "Hello Anna" in text_of(letter)
    assert "December 24, 2026" in text_of(letter)
    html = letter.get_body(preferencelist=("html",))
    assert html is not None
    assert "<p>" in html.get_content()
    assert letter["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert str(letter["List-Unsubscribe"]).startswith("<http")
    (row,) = wait_for(lambda: api.messages(client_id=client, status="sent"))
    assert row["attempts"] == 1
    assert row["template_version"] == 0
    assert len(api.messages(client_id=client)) == 1


def test_no_confirmed_address_or_an_archived_client_is_skipped_with_why(api: Api) -> None:
    org = api.organisation()
    unconfirmed = api.client_of(org, email="new@example.com", email_confirmed=False)
    archived = api.client_of(org, email="gone@example.com")
    api.send(ClientArchived(client_id=archived), org.tenant)
    api.send(due(unconfirmed), org.tenant)
    api.send(due(archived), org.tenant)
    (first,) = api.messages(client_id=unconfirmed)
    (second,) = api.messages(client_id=archived)
    assert (first["status"], first["reason"]) == (
        "skipped",
        "no address: no confirmed email or bound chat",
    )
    assert (second["status"], second["reason"]) == ("skipped", "client archived")
    assert api.smtp.to("new@example.com") == []
    assert api.smtp.to("gone@example.com") == []


def test_an_invitation_link_is_sealed_everywhere_but_in_the_letter(api: Api) -> None:
    org = api.organisation()
    token = "invitation-token-" + uuid.uuid4().hex
    user = uuid.uuid4()
    sealed = seal(DEV_SEAL_PUBLIC_KEY, "invite", token)
    api.send(
        StaffInvitedV2(
            user_id=user,
            email="teacher@example.com",
            name="Tom Teacher",
            role="teacher",
            sealed_token=sealed,
            expires_at=datetime(2026, 12, 9, 12, tzinfo=UTC),
        ),
        org.tenant,
    )
    (letter,) = wait_for(lambda: api.smtp.to("teacher@example.com"))
    assert f"/app/invite?token={token}" in text_of(letter)
    assert "List-Unsubscribe" not in letter  # transactional
    stored = json.dumps([dict(r) for r in api.sql("SELECT * FROM messages")], default=str)
    stored += json.dumps([dict(r) for r in api.sql("SELECT * FROM message_attempts")], default=str)
    stored += json.dumps([dict(r) for r in api.sql("SELECT * FROM inbox")], default=str)
    assert token not in stored
    assert sealed in stored


def test_a_link_sealed_for_another_purpose_fails_and_is_not_retried(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org)
    api.send(
        EmailConfirmationRequestedV2(
            client_id=client,
            email="confirm@example.com",
            name="Anna Nowak",
            sealed_token=seal(DEV_SEAL_PUBLIC_KEY, "reset", "x" * 40),
            expires_at=datetime(2026, 12, 9, tzinfo=UTC),
        ),
        org.tenant,
    )
    (row,) = wait_for(lambda: api.messages(address="confirm@example.com", status="failed"))
    assert "cannot be opened" in row["reason"]
    assert api.smtp.to("confirm@example.com") == []


def test_with_the_smtp_server_down_the_letter_is_retried_and_sent_once(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, email="later@example.com")
    api.smtp.stop()
    try:
        api.send(due(client), org.tenant)
        wait_for(lambda: [r for r in api.messages(client_id=client) if r["attempts"] >= 2])
        (row,) = api.messages(client_id=client)
        assert row["status"] == "queued"
        assert "unreachable" in row["reason"]
    finally:
        api.smtp.start()
    wait_for(lambda: api.smtp.to("later@example.com"))
    (row,) = wait_for(lambda: api.messages(client_id=client, status="sent"))
    assert len(api.smtp.to("later@example.com")) == 1
    history = api.sql(
        "SELECT status FROM message_attempts WHERE message_id = $1 ORDER BY id", row["id"]
    )
    statuses = [h["status"] for h in history]
    assert statuses[0] == "queued"
    assert statuses[-1] == "sent"
    assert "failed" in statuses


def test_one_click_unsubscribe_by_post_only_keeps_transactional_mail(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, email="quiet@example.com")
    api.send(due(client), org.tenant)
    (letter,) = wait_for(lambda: api.smtp.to("quiet@example.com"))
    link = str(letter["List-Unsubscribe"]).strip("<>")
    path = link[link.index("/api/") :]
    assert api.call("GET", path, org.owner).status_code == 405
    forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    assert api.call("POST", forged, org.owner).status_code == 404
    done = api.call("POST", path, org.owner, content="List-Unsubscribe=One-Click")
    assert done.status_code == 200
    assert api.call("POST", path, org.owner).status_code == 200  # again: no change
    api.send(PaymentOverdue(**due(client).model_dump() | {"due_item_id": uuid.uuid4()}), org.tenant)
    (overdue,) = api.messages(client_id=client, trigger="payment_overdue")
    assert (overdue["status"], overdue["reason"]) == ("skipped", "opted out")
    api.send(
        EmailConfirmationRequestedV2(
            client_id=client,
            email="quiet@example.com",
            name="Anna Nowak",
            sealed_token=seal(DEV_SEAL_PUBLIC_KEY, "confirm_email", "c" * 40),
            expires_at=datetime(2026, 12, 9, tzinfo=UTC),
        ),
        org.tenant,
    )
    wait_for(lambda: len(api.smtp.to("quiet@example.com")) == 2)


def test_the_delivery_log_is_scoped_filtered_and_a_failed_message_resent(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, email="log@example.com")
    group = uuid.uuid4()
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
    api.send(due(client), org.tenant)
    wait_for(lambda: api.messages(client_id=client, status="sent"))
    query = {"client_id": str(client)}
    owner = api.ok("GET", f"{N}/deliveries", org.owner, params=query)["items"]
    assert [m["status"] for m in owner] == ["sent"]
    admin = staff(org.tenant, "admin", branch_ids=frozenset({org.branch}))
    other_admin = staff(org.tenant, "admin", branch_ids=frozenset({uuid.uuid4()}))
    teacher = staff(org.tenant, "teacher", group_ids=frozenset({group}))
    other_teacher = staff(org.tenant, "teacher", group_ids=frozenset({uuid.uuid4()}))
    accountant = staff(org.tenant, "accountant", branch_ids=frozenset({org.branch}))
    stranger = Org().owner
    for who, seen in [
        (admin, 1),
        (other_admin, 0),
        (teacher, 1),
        (other_teacher, 0),
        (accountant, 1),
        (stranger, 0),
    ]:
        assert len(api.ok("GET", f"{N}/deliveries", who, params=query)["items"]) == seen
    message_id = owner[0]["id"]
    assert api.call("GET", f"{N}/deliveries/{message_id}", other_admin).status_code == 404
    detail = api.ok("GET", f"{N}/deliveries/{message_id}", teacher)
    assert [h["status"] for h in detail["history"]] == ["queued", "sent"]
    filtered = api.ok("GET", f"{N}/deliveries", org.owner, params=query | {"status": "failed"})
    assert filtered["items"] == []
    bad = api.call("GET", f"{N}/deliveries", org.owner, params={"status": "lost"})
    assert bad.status_code == 422
    assert "status" in bad.text
    assert api.call("POST", f"{N}/deliveries/{message_id}/resend", org.owner).status_code == 409
    api.sql("UPDATE messages SET status = 'failed' WHERE id = $1", uuid.UUID(message_id))
    assert api.call("POST", f"{N}/deliveries/{message_id}/resend", teacher).status_code == 403
    again = api.ok("POST", f"{N}/deliveries/{message_id}/resend", org.owner)
    assert again["status"] in ("queued", "sent")
    wait_for(lambda: len(api.smtp.to("log@example.com")) == 2)


def test_without_smtp_letters_land_in_the_dev_mailbox_the_owner_lists(
    smtp: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CRM_VAR_DIR", str(tmp_path))
    url = with_database(server_database_url(), f"t_notify_dev_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    try:
        upgrade_sync(SERVICE_DIR, url)
        with TestClient(create_app(app_settings(url, smtp, smtp_url=""))) as client:
            local = Api(client, url.replace("+asyncpg", ""), smtp)
            org = local.organisation()
            who = local.client_of(org, email="dev@example.com")
            local.send(due(who, amount=5_000), org.tenant)
            letters = wait_for(lambda: local.ok("GET", f"{N}/dev-mailbox", org.owner)["items"])
            assert letters[0]["to"] == "dev@example.com"
            assert "50.00" in letters[0]["subject"]
            assert letters[0]["headers"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
            assert (tmp_path / "mailbox").is_dir()
            admin = staff(org.tenant, "admin", branch_ids=frozenset({org.branch}))
            assert local.call("GET", f"{N}/dev-mailbox", admin).status_code == 403
            assert smtp.to("dev@example.com") == []
    finally:
        asyncio.run(drop_database(url))


def test_with_an_smtp_server_there_is_no_dev_mailbox(api: Api) -> None:
    assert api.call("GET", f"{N}/dev-mailbox", api.organisation().owner).status_code == 404


def test_a_portal_code_is_emailed_and_never_published(api: Api) -> None:
    org = api.organisation()
    code = "493817"
    api.send(
        PortalCodeIssued(
            login="parent@example.com",
            channel="email",
            purpose="signin",
            sealed_code=seal(DEV_SEAL_PUBLIC_KEY, "portal_code", code),
            expires_at=datetime(2026, 12, 9, tzinfo=UTC),
        ),
        org.tenant,
    )
    (letter,) = wait_for(lambda: api.smtp.to("parent@example.com"))
    assert f"is {code}" in text_of(letter)
    stored = json.dumps([dict(r) for r in api.sql("SELECT * FROM messages")], default=str)
    stored += json.dumps([dict(r) for r in api.sql("SELECT body FROM outbox")], default=str)
    assert code not in stored
    api.send(
        PortalCodeIssued(
            login="+48600100200",
            channel="phone",
            purpose="signin",
            sealed_code=seal(DEV_SEAL_PUBLIC_KEY, "portal_code", code),
            expires_at=datetime(2026, 12, 9, tzinfo=UTC),
        ),
        org.tenant,
    )
    (by_phone,) = api.messages(trigger="portal_code", status="skipped")
    assert by_phone["reason"] == "no address: SMS is off"


def test_a_sent_client_message_is_published_for_the_portal_inbox(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, email="inbox@example.com")
    api.send(due(client, amount=7_700), org.tenant)
    (row,) = wait_for(lambda: api.messages(client_id=client, status="sent"))

    def copies() -> list[dict[str, object]]:
        found = api.sql("SELECT body FROM outbox WHERE event_type = 'notifications.message_sent'")
        events = [json.loads(r["body"]) for r in found]
        return [e["data"] for e in events if e["data"]["client_id"] == str(client)]

    (copy,) = wait_for(copies)
    assert copy["message_id"] == str(row["id"])
    assert copy["channel"] == "email"
    assert "77.00" in copy["subject"]
    assert "Hello Anna" in copy["text"]
