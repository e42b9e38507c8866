"""The sender works in batches: a pass claims the due messages in one statement, reads what
it re-checks for the whole batch at once and records the outcomes together. Within a batch
an opted-out client is still skipped, a refused recipient is retried alone and the others
are sent once; a claimed message is not claimed again until its lease ends."""

from __future__ import annotations

import asyncio
import collections
import json
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient
from notifications_svc.main import create_app
from notifications_svc.messages.repository import MessagesRepository
from notifications_svc.sending.sender import Sender

from crm_platform.db import Database
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.testing import server_database_url

from .conftest import SERVICE_DIR, Api, Mailbox, N, Org, app_settings, wait_for


class Picky(Mailbox):
    """Refuses the first letter to each address of `refuse_once` with a 451 (try later)."""

    def __init__(self) -> None:
        super().__init__()
        self.refuse_once: set[str] = set()
        self.refused: collections.Counter[str] = collections.Counter()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        with self._lock:
            if address in self.refuse_once and not self.refused[address]:
                self.refused[address] += 1
                return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture(scope="module")
def manual() -> Iterator[tuple[Api, Sender]]:
    """The app with its sender's loop stopped: each test runs the passes itself."""
    smtp = Picky()
    smtp.start()
    url = with_database(server_database_url(), f"t_notify_batch_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    try:
        settings = app_settings(url, smtp, broadcast_per_second=1_000_000)
        with TestClient(create_app(settings)) as client:
            (sender,) = [c for c in client.app.state.components if isinstance(c, Sender)]  # type: ignore[attr-defined]
            client.portal.call(sender.job.stop)  # type: ignore[union-attr]
            yield Api(client, url.replace("+asyncpg", ""), smtp), sender
    finally:
        asyncio.run(drop_database(url))
        smtp.stop()


def broadcast_to(api: Api, org: Org, emails: list[str]) -> tuple[list[uuid.UUID], str]:
    tag = uuid.uuid4()
    clients = [api.client_of(org, email=e, tag_ids=[tag]) for e in emails]
    body = {"audience": {"kind": "tag", "id": str(tag)}, "subject": "Fair", "body": "Come!"}
    sent = api.ok("POST", f"{N}/broadcasts", org.owner, 201, json=body)
    return clients, f"broadcast:{sent['id']}"


def test_one_pass_sends_a_batch_skips_the_opted_out_and_retries_only_the_refused(
    manual: tuple[Api, Sender],
) -> None:
    api, sender = manual
    assert isinstance(api.smtp, Picky)
    org = api.organisation()
    emails = [f"batch{n}@example.com" for n in range(5)]
    clients, source = broadcast_to(api, org, emails)
    api.smtp.refuse_once.add(emails[1])
    # opted out after the message was queued, before it is sent
    api.ok(
        "PUT",
        f"{N}/clients/{clients[2]}/opt-outs",
        org.owner,
        json={"category": "news", "channel": "email", "opted_out": True},
    )
    run_once = sender.run_once
    assert api.client.portal.call(run_once) == 5  # type: ignore[union-attr]
    rows = {r["client_id"]: r for r in api.messages(source=source)}
    assert (rows[clients[2]]["status"], rows[clients[2]]["reason"]) == ("skipped", "opted out")
    refused = rows[clients[1]]
    assert (refused["status"], refused["attempts"]) == ("queued", 1)
    assert "recipient refused" in refused["reason"]
    assert refused["next_attempt_at"] is not None
    for n in (0, 3, 4):
        assert rows[clients[n]]["status"] == "sent"
        assert len(api.smtp.to(emails[n])) == 1
    assert api.smtp.to(emails[1]) == api.smtp.to(emails[2]) == []

    def retried() -> bool:
        api.client.portal.call(run_once)  # type: ignore[union-attr]
        return bool(api.messages(client_id=clients[1], status="sent"))

    wait_for(retried)
    assert [len(api.smtp.to(e)) for e in emails] == [1, 1, 0, 1, 1]
    (again,) = api.messages(client_id=clients[1])
    assert again["attempts"] == 2

    def history(client: uuid.UUID) -> list[str]:
        (msg,) = api.messages(client_id=client)
        found = api.sql(
            "SELECT status FROM message_attempts WHERE message_id = $1 ORDER BY id", msg["id"]
        )
        return [r["status"] for r in found]

    assert history(clients[1]) == ["queued", "failed", "sent"]
    assert history(clients[2]) == ["queued", "skipped"]
    assert history(clients[0]) == ["queued", "sent"]
    sent_ids = {r["id"] for r in api.messages(source=source, status="sent")}
    published = [
        json.loads(r["body"])["data"]["message_id"]
        for r in api.sql("SELECT body FROM outbox WHERE event_type = 'notifications.message_sent'")
    ]
    mine = [m for m in published if uuid.UUID(m) in sent_ids]
    assert sorted(mine) == sorted(str(i) for i in sent_ids)
    assert len(sent_ids) == 4


def test_a_claimed_message_is_not_claimed_again_until_its_lease_ends(
    manual: tuple[Api, Sender],
) -> None:
    api, sender = manual
    org = api.organisation()
    _, source = broadcast_to(api, org, [f"lease{n}@example.com" for n in range(4)])
    queued = api.sql(
        "SELECT id FROM messages WHERE source = $1 ORDER BY next_attempt_at, id", source
    )
    ours = [r["id"] for r in queued]
    database: Database = sender.database
    now = sender.clock()

    async def claim(at: Any) -> list[uuid.UUID]:
        async with database.unit_of_work() as session:
            repo = MessagesRepository(session)
            return await repo.claim_due(at, at + timedelta(seconds=60), 100)

    async def two_at_once() -> list[list[uuid.UUID]]:
        return list(await asyncio.gather(claim(now), claim(now)))

    first, second = api.client.portal.call(two_at_once)  # type: ignore[union-attr]
    assert not set(first) & set(second)
    taken = [i for i in first + second if i in ours]
    assert sorted(taken) == sorted(ours)
    for claimed in (first, second):  # each the most overdue first
        mine = [i for i in claimed if i in ours]
        assert mine == sorted(mine, key=ours.index)
    assert [i for i in api.client.portal.call(claim, now) if i in ours] == []  # type: ignore[union-attr]
    later = now + timedelta(seconds=61)
    assert [i for i in api.client.portal.call(claim, later) if i in ours] == ours  # type: ignore[union-attr]
    assert [len(api.smtp.to(f"lease{n}@example.com")) for n in range(4)] == [0, 0, 0, 0]
