"""Telegram against a fake Bot API server: the webhook's secret token, binding a chat by the
sender's own contact through the real clients service, absences reported to the real
journal, /stop, reminders in the chat (split at 4,096 characters, 429 waited out, a blocked
bot marked and left)."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi.testclient import TestClient
from notifications_svc.main import create_app

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.billing import PaymentDueSoon
from crm_contracts.events.clients import ClientRegistered, MessengerBound
from crm_contracts.events.identity import OrganisationRegistered
from crm_devrun.processes import ManagedProcess, stop_all, uvicorn_process, wait_ready
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.internal_auth import Principal
from crm_platform.testing import amqp_url, internal_headers, server_database_url

from .conftest import SERVICE_DIR, Api, Mailbox, N, Org, app_settings, free_port, wait_for
from .fake_telegram import FakeBotApi
from .test_rabbitmq import _delete_queues, publish

SERVICES = SERVICE_DIR.parent
SECRET = "s3cret-token_1"
HOOK = f"{N}/telegram/webhook"


@pytest.fixture(scope="module")
def bot_api() -> Iterator[FakeBotApi]:
    server = FakeBotApi()
    server.start()
    try:
        yield server
    finally:
        server.stop()


class Peer:
    """A real service (clients, journal) as its own process on a fresh database."""

    def __init__(self, name: str, url: str, db_url: str, process: ManagedProcess) -> None:
        self.name, self.url, self.db_url, self.process = name, url, db_url, process

    def call(self, method: str, path: str, principal: Principal, **kw: Any) -> Any:
        headers = internal_headers(principal, self.name)
        answer = httpx.request(method, f"{self.url}{path}", headers=headers, timeout=10, **kw)
        assert answer.status_code < 300, answer.text
        return answer.json()


@pytest.fixture(scope="module")
def peers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Peer]]:
    """clients on its in-process bus; the journal on RabbitMQ (under a queue name of its
    own) so that it learns the organisation and its branch from identity's events."""
    started: dict[str, Peer] = {}
    logs = tmp_path_factory.mktemp("peers")
    journal_name = f"journal_t{uuid.uuid4().hex[:6]}"
    try:
        for name, service_name, amqp in (
            ("clients", "clients", ""),
            ("journal", journal_name, amqp_url()),
        ):
            url = with_database(server_database_url(), f"t_notify_{name}_{uuid.uuid4().hex[:6]}")
            asyncio.run(ensure_database(url))
            upgrade_sync(SERVICES / name, url)
            prefix = name.upper()
            env = dict(os.environ) | {
                f"{prefix}_DATABASE_URL": url,
                f"{prefix}_AMQP_URL": amqp,
                f"{prefix}_SERVICE_NAME": service_name,
                f"{prefix}_DB_POOL_SIZE": "2",
                "CRM_VAR_DIR": str(logs),
            }
            port = free_port()
            process = uvicorn_process(
                name, f"{name}_svc.main:create_app", port=port, env=env, log_path=logs / name
            )
            process.start()
            started[name] = Peer(service_name, f"http://127.0.0.1:{port}", url, process)
        asyncio.run(wait_ready([p.process for p in started.values()], within=60))
        yield started
    finally:
        stop_all([p.process for p in started.values()])
        for peer in started.values():
            asyncio.run(drop_database(peer.db_url))
        asyncio.run(_delete_queues(journal_name))


@pytest.fixture(scope="module")
def tg(smtp: Mailbox, bot_api: FakeBotApi, peers: dict[str, Peer]) -> Iterator[Api]:
    url = with_database(server_database_url(), f"t_notify_tg_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    settings = app_settings(
        url,
        smtp,
        telegram_bot_token="123:TEST",
        telegram_bot_username="school_bot",
        telegram_api_url=bot_api.url,
        telegram_webhook_secret=SECRET,
        clients_url=peers["clients"].url,
        journal_url=peers["journal"].url,
        journal_service_name=peers["journal"].name,
    )
    try:
        with TestClient(create_app(settings)) as client:
            yield Api(client, url.replace("+asyncpg", ""), smtp)
    finally:
        asyncio.run(drop_database(url))


def update(chat: int, text: str | None = None, **message: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"chat": {"id": chat, "type": "private"}, "from": {"id": chat}}
    if text is not None:
        body["text"] = text
    return {"update_id": uuid.uuid4().int % 10**9, "message": body | message}


def hook(api: Api, org: Org, body: Any, secret: str | None = SECRET) -> httpx.Response:
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    response: httpx.Response = api.call("POST", HOOK, org.owner, json=body, headers=headers)
    return response


def last_text(bot_api: FakeBotApi, chat: int) -> str:
    sent = bot_api.sent_to(str(chat))
    assert sent, "the bot said nothing"
    return str(sent[-1]["text"])


def due(client_id: uuid.UUID, amount: int = 5_500) -> PaymentDueSoon:
    return PaymentDueSoon(
        due_item_id=uuid.uuid4(),
        client_id=client_id,
        kind="credit",
        due_on=date(2026, 12, 24),
        amount_minor=amount,
        currency="PLN",
        balance_minor=-amount,
    )


def test_the_webhook_checks_the_secret_token_on_every_call(tg: Api) -> None:
    org = tg.organisation()
    assert hook(tg, org, update(1, "/start"), secret=None).status_code == 401
    assert hook(tg, org, update(1, "/start"), secret="wrong").status_code == 401
    assert hook(tg, org, ["not", "an", "update"]).status_code == 422
    assert hook(tg, org, update(1, "hello")).status_code == 200


def test_bind_by_own_contact_then_absence_and_stop(
    tg: Api, bot_api: FakeBotApi, peers: dict[str, Peer]
) -> None:
    org = tg.organisation(time_zone="UTC")
    owner = org.owner
    card = peers["clients"].call(
        "POST",
        "/api/v1/clients/clients",
        owner,
        json={"first_name": "Ola", "last_name": "Kowalska", "phone": "+48 600 111 222"},
    )
    client = uuid.UUID(card["id"])
    tg.send(
        ClientRegistered(
            client_id=client, first_name="Ola", last_name="Kowalska", branch_id=org.branch
        ),
        org.tenant,
    )
    link = tg.ok("POST", f"{N}/clients/{client}/telegram-link", owner, 201)
    assert link["url"].startswith("https://t.me/school_bot?start=")
    payload = link["url"].split("start=")[1]
    assert len(payload) <= 64
    chat = 700_000 + uuid.uuid4().int % 1000
    hook(tg, org, update(chat, f"/start {payload}"))
    asked = bot_api.sent_to(str(chat))[-1]
    assert asked["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    # someone else's contact
    other = {"phone_number": "+48600111222", "first_name": "X", "user_id": chat + 1}
    hook(tg, org, update(chat, contact=other))
    assert "your own phone number" in last_text(bot_api, chat)
    wrong = {"phone_number": "+48600999999", "first_name": "Ola", "user_id": chat}
    hook(tg, org, update(chat, contact=wrong))
    assert "no client of this school has this phone number" in last_text(bot_api, chat)
    own = {"phone_number": "+48600111222", "first_name": "Ola", "user_id": chat}
    hook(tg, org, update(chat, contact=own))
    assert last_text(bot_api, chat).startswith("Connected: Ola Kowalska")
    hook(tg, org, update(chat + 5, f"/start {payload}"))
    assert "already been used" in last_text(bot_api, chat + 5)
    # clients published the binding; hand it over as the bus would
    bound = _outbox(peers["clients"], "clients.messenger_bound")
    assert [b["data"]["chat_id"] for b in bound] == [str(chat)]
    tg.deliver(EventEnvelope.model_validate(bound[0]))
    tg.send(due(client), org.tenant)
    wait_for(lambda: tg.messages(client_id=client, status="sent"))
    assert "55.00" in last_text(bot_api, chat)
    (row,) = tg.messages(client_id=client)
    assert row["channel"] == "telegram"

    journal = peers["journal"]
    registered = OrganisationRegistered(
        organisation_id=org.tenant,
        name="Music school",
        currency="PLN",
        time_zone="UTC",
        locale="en",
        first_branch_id=org.branch,
        owner_user_id=uuid.uuid4(),
    )
    card_event = [
        e
        for e in _outbox(peers["clients"], "clients.client_registered")
        if e["subject"] == str(client)
    ]
    asyncio.run(
        publish(
            [
                tg.envelope(registered, org.tenant, source="identity"),
                EventEnvelope.model_validate(card_event[0]),
            ]
        )
    )
    wait_for(lambda: _rows(journal, "SELECT 1 FROM branches WHERE id = $1", org.branch))
    wait_for(lambda: _rows(journal, "SELECT 1 FROM client_cards WHERE client_id = $1", client))
    group = journal.call(
        "POST",
        "/api/v1/journal/groups",
        owner,
        json={"name": "Piano", "branch_id": str(org.branch), "starts_on": "2026-01-01"},
    )
    day = (datetime.now().date() + timedelta(days=2)).isoformat()
    lesson = journal.call(
        "POST",
        f"/api/v1/journal/groups/{group['id']}/lessons",
        owner,
        json={"lesson_date": day, "starts_at": "10:00", "duration_minutes": 60},
    )
    journal.call(
        "POST",
        f"/api/v1/journal/groups/{group['id']}/enrolments",
        owner,
        json={"client_id": str(client), "from_date": "2026-01-01"},
    )
    hook(tg, org, update(chat, "I will miss my next lesson"))
    answer = last_text(bot_api, chat)
    assert "is marked as excused" in answer
    assert "make it up until" in answer
    marks = journal.call("GET", f"/api/v1/journal/lessons/{lesson['id']}/marks", owner)
    assert [m["status"] for m in marks["items"]] == ["excused"]
    hook(tg, org, update(chat, "/absent"))
    assert last_text(bot_api, chat) == answer  # a second tap changes nothing
    hook(tg, org, update(chat, "/stop"))
    assert "no more reminders" in last_text(bot_api, chat)
    tg.send(due(client), org.tenant)
    skipped = wait_for(lambda: tg.messages(client_id=client, status="skipped"))
    assert skipped[0]["reason"] == "opted out"


def _rows(peer: Peer, query: str, *args: Any) -> list[Any]:
    async def read() -> list[Any]:
        conn = await asyncpg.connect(peer.db_url.replace("+asyncpg", ""))
        try:
            return list(await conn.fetch(query, *args))
        finally:
            await conn.close()

    return asyncio.run(read())


def _outbox(peer: Peer, event_type: str) -> list[dict[str, Any]]:
    query = "SELECT body FROM outbox WHERE event_type = $1 ORDER BY seq"
    return [json.loads(r["body"]) for r in _rows(peer, query, event_type)]


def bound_client(api: Api, org: Org, chat: int, email: str | None = None) -> uuid.UUID:
    client = uuid.uuid4()
    api.send(
        ClientRegistered(
            client_id=client,
            first_name="Ida",
            last_name="B",
            email=email,
            email_confirmed=email is not None,
            branch_id=org.branch,
        ),
        org.tenant,
    )
    api.send(MessengerBound(client_id=client, channel="telegram", chat_id=str(chat)), org.tenant)
    return client


def test_a_429_is_waited_out_and_a_long_text_is_split(tg: Api, bot_api: FakeBotApi) -> None:
    org = tg.organisation()
    chat = 800_000 + uuid.uuid4().int % 1000
    client = bound_client(tg, org, chat)
    long_body = "{{ amount }} " + ("la " * 2000)
    tg.ok(
        "POST",
        f"{N}/templates",
        org.owner,
        json={
            "trigger": "payment_due_soon",
            "channel": "telegram",
            "locale": "en",
            "body": long_body,
        },
    )
    bot_api.queue(
        str(chat),
        429,
        {
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests",
            "parameters": {"retry_after": 1},
        },
    )
    tg.send(due(client), org.tenant)
    (row,) = wait_for(lambda: tg.messages(client_id=client, status="sent"))
    assert row["attempts"] == 2
    assert row["template_version"] == 1
    history = tg.sql(
        "SELECT status, at, detail FROM message_attempts WHERE message_id = $1 ORDER BY id",
        row["id"],
    )
    failed = [h for h in history if h["status"] == "failed"]
    assert len(failed) == 1
    assert "429" in failed[0]["detail"]
    again_at = datetime.fromisoformat(failed[0]["detail"].split("again at ")[1])
    assert again_at - failed[0]["at"] >= timedelta(seconds=1)  # retry_after honoured
    pieces = bot_api.sent_to(str(chat))
    assert len(pieces) == 2
    assert all(len(p["text"]) <= 4096 for p in pieces)
    assert pieces[0]["text"].startswith("PLN55.00")


def test_a_blocked_bot_stops_sending_to_the_chat_and_email_takes_over(
    tg: Api, bot_api: FakeBotApi
) -> None:
    org = tg.organisation()
    chat = 900_000 + uuid.uuid4().int % 1000
    client = bound_client(tg, org, chat, email="blocked@example.com")
    bot_api.queue(
        str(chat),
        403,
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
    )
    tg.send(due(client), org.tenant)
    (row,) = wait_for(lambda: tg.messages(client_id=client, status="failed"))
    assert "bot was blocked" in row["reason"]
    assert row["attempts"] == 1
    assert tg.sql("SELECT telegram_blocked FROM clients WHERE id = $1", client)[0][0] is True
    tg.send(due(client), org.tenant)
    wait_for(lambda: tg.smtp.to("blocked@example.com"))
    assert bot_api.sent_to(str(chat)) == []


def test_a_link_for_an_unseen_client_is_404(tg: Api) -> None:
    org = tg.organisation()
    missing = tg.call("POST", f"{N}/clients/{uuid.uuid4()}/telegram-link", org.owner)
    assert missing.status_code == 404
