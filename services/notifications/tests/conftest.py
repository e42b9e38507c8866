"""The notifications app on a fresh PostgreSQL database with a real SMTP server (aiosmtpd),
called as the gateway would call it; events handed to its consumer as the bus would."""

from __future__ import annotations

import asyncio
import socket
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi.testclient import TestClient
from notifications_svc.main import create_app
from notifications_svc.settings import Settings

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.clients import ClientRegistered
from crm_contracts.events.identity import OrganisationRegistered
from crm_contracts.registry import EventPayload
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.internal_auth import Principal
from crm_platform.testing import internal_headers, server_database_url
from crm_platform.testing import wait_for as wait_for  # for the test modules

SERVICE_DIR = Path(__file__).resolve().parents[1]
N = "/api/v1/notifications"
FAST_RETRIES = [0.2, 0.2, 0.2, 0.2, 0.2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Mailbox:
    """A real SMTP server (aiosmtpd) that keeps what it accepts; stop() and start() again
    on the same port stand for an outage."""

    def __init__(self) -> None:
        self.port = free_port()
        self.letters: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller: Controller | None = None

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        mail = BytesParser(policy=policy.default).parsebytes(envelope.content)  # type: ignore[arg-type]
        with self._lock:
            self.letters.append(mail)  # type: ignore[arg-type]
        return "250 OK"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m in self.letters if str(m["To"]) == address]


def text_of(mail: EmailMessage) -> str:
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def staff(tenant: uuid.UUID, role: str, **kw: Any) -> Principal:
    return Principal(
        tenant_id=tenant,
        subject=str(uuid.uuid4()),
        realm="staff",
        role=role,
        all_branches=role == "owner",
        **kw,
    )


@dataclass
class Org:
    tenant: uuid.UUID = field(default_factory=uuid.uuid4)
    branch: uuid.UUID = field(default_factory=uuid.uuid4)

    @property
    def owner(self) -> Principal:
        return staff(self.tenant, "owner")


class Api:
    def __init__(self, client: TestClient, db_url: str, smtp: Mailbox) -> None:
        self.client = client
        self.db_url = db_url
        self.smtp = smtp

    def call(self, method: str, path: str, principal: Principal, **kwargs: Any) -> Any:
        headers = internal_headers(principal, "notifications") | kwargs.pop("headers", {})
        return self.client.request(method, path, headers=headers, **kwargs)

    def ok(self, method: str, path: str, principal: Principal, status: int = 200, **kw: Any) -> Any:
        response = self.call(method, path, principal, **kw)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async def run() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(self.db_url)
            try:
                return list(await conn.fetch(query, *args))
            finally:
                await conn.close()

        return asyncio.run(run())

    def envelope(self, payload: EventPayload, tenant: uuid.UUID, **kw: Any) -> EventEnvelope:
        return EventEnvelope(
            type=payload.event_type,
            version=payload.event_version,
            source=kw.pop("source", "billing"),
            tenant_id=tenant,
            subject=str(uuid.uuid4()),
            data=payload.model_dump(mode="json"),
            **kw,
        )

    def deliver(self, *envelopes: EventEnvelope) -> list[str]:
        inbox = self.client.app.state.components[0].inbox  # type: ignore[attr-defined]
        results = self.client.portal.call(inbox.handle_batch, list(envelopes))  # type: ignore[union-attr]
        return [r.outcome.value for r in results]

    def send(self, payload: EventPayload, tenant: uuid.UUID) -> list[str]:
        return self.deliver(self.envelope(payload, tenant))

    def organisation(self, **fields: Any) -> Org:
        org = Org()
        self.send(
            OrganisationRegistered(
                organisation_id=org.tenant,
                name=fields.get("name", "Music school"),
                currency=fields.get("currency", "PLN"),
                time_zone=fields.get("time_zone", "Europe/Warsaw"),
                locale=fields.get("locale", "en"),
                first_branch_id=org.branch,
                owner_user_id=uuid.uuid4(),
            ),
            org.tenant,
        )
        return org

    def client_of(self, org: Org, **fields: Any) -> uuid.UUID:
        client_id = uuid.uuid4()
        email = fields.pop("email", f"c{client_id.hex[:8]}@example.com")
        card = {
            "client_id": client_id,
            "first_name": "Anna",
            "last_name": "Nowak",
            "email": email,
            "email_confirmed": True,
            "branch_id": org.branch,
        } | fields
        self.send(ClientRegistered(**card), org.tenant)
        return client_id

    def messages(self, **where: Any) -> list[asyncpg.Record]:
        conditions = " AND ".join(f"{k} = ${i + 1}" for i, k in enumerate(where)) or "true"
        return self.sql(f"SELECT * FROM messages WHERE {conditions}", *where.values())


def app_settings(url: str, smtp: Mailbox, **kw: Any) -> Settings:
    fields: dict[str, Any] = {
        "database_url": url,
        "amqp_url": "",
        "db_pool_size": 3,
        "smtp_url": smtp.url,
        "smtp_timeout_seconds": 2,
        "retry_delays_seconds": FAST_RETRIES,
        "sender_poll_seconds": 0.2,
        # quiet hours are tested on their own; elsewhere letters go at any hour
        "default_quiet_hours": "",
    }
    return Settings(**(fields | kw))


@pytest.fixture(scope="module")
def smtp() -> Iterator[Mailbox]:
    server = Mailbox()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def api(smtp: Mailbox) -> Iterator[Api]:
    url = with_database(server_database_url(), f"t_notify_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    try:
        with TestClient(create_app(app_settings(url, smtp))) as client:
            yield Api(client, url.replace("+asyncpg", ""), smtp)
    finally:
        asyncio.run(drop_database(url))
