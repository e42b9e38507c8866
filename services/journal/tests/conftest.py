"""The journal app on a fresh PostgreSQL database, called as the gateway would call it."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fastapi.testclient import TestClient
from journal_svc.main import create_app
from journal_svc.settings import Settings

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.clients import ClientRegistered, ClientState
from crm_contracts.events.identity import AccessChanged, BranchCreated
from crm_contracts.registry import EventPayload
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.internal_auth import Principal
from crm_platform.testing import internal_headers, server_database_url

SERVICE_DIR = Path(__file__).resolve().parents[1]
SYSTEM = Principal(tenant_id=None, subject="gateway", realm="system")
J = "/api/v1/journal"


def staff(
    tenant: uuid.UUID,
    role: str,
    *,
    branches: frozenset[uuid.UUID] = frozenset(),
    groups: frozenset[uuid.UUID] = frozenset(),
    user: uuid.UUID | None = None,
    finances_hidden: bool = False,
) -> Principal:
    return Principal(
        tenant_id=tenant,
        subject=str(user or uuid.uuid4()),
        realm="staff",
        role=role,
        all_branches=role == "owner",
        branch_ids=branches,
        group_ids=groups,
        finances_hidden=finances_hidden,
    )


# Every organisation a test makes, by tenant: the Api tells the journal its branches (as
# identity's events would) before the first call made on its behalf.
ORGS: dict[uuid.UUID, Org] = {}


@dataclass
class Org:
    """An organisation as the journal sees it: a tenant, two branches, and its staff."""

    tenant: uuid.UUID = field(default_factory=uuid.uuid4)
    branch: uuid.UUID = field(default_factory=uuid.uuid4)
    other_branch: uuid.UUID = field(default_factory=uuid.uuid4)
    owner_id: uuid.UUID = field(default_factory=uuid.uuid4)

    def __post_init__(self) -> None:
        ORGS[self.tenant] = self

    def events(self) -> list[EventPayload]:
        return [BranchCreated(branch_id=b, name="Branch") for b in (self.branch, self.other_branch)]

    @property
    def owner(self) -> Principal:
        return staff(self.tenant, "owner", user=self.owner_id)

    def admin(self, *branches: uuid.UUID) -> Principal:
        return staff(self.tenant, "admin", branches=frozenset(branches or (self.branch,)))

    def accountant(self) -> Principal:
        return staff(self.tenant, "accountant", branches=frozenset({self.branch}))

    def teacher(
        self, *groups: str | uuid.UUID, user: uuid.UUID | None = None, **kw: Any
    ) -> Principal:
        return staff(
            self.tenant,
            "teacher",
            groups=frozenset(uuid.UUID(str(g)) for g in groups),
            user=user,
            **kw,
        )


class Api:
    """A TestClient that signs every call with the gateway's internal token for a principal."""

    def __init__(self, client: TestClient, db_url: str) -> None:
        self.client = client
        self.db_url = db_url
        self.known: set[uuid.UUID] = set()
        self.cards: set[uuid.UUID] = set()

    def know(self, tenant: uuid.UUID | None) -> None:
        org = ORGS.get(tenant) if tenant is not None else None
        if org is not None and tenant not in self.known:
            self.known.add(org.tenant)
            for payload in org.events():
                self.deliver(payload, org.tenant, source="identity")

    def client_of(
        self, org: Org, client: uuid.UUID | None = None, branch: uuid.UUID | None = None
    ) -> uuid.UUID:
        """A client card as the clients service announces it (home branch: the org's)."""
        client = client or uuid.uuid4()
        if client in self.cards:
            return client
        card = ClientRegistered(
            client_id=client, first_name="Ann", last_name="Lee", branch_id=branch or org.branch
        )
        self.deliver(card, org.tenant)
        return client

    def teacher_of(
        self,
        org: Org,
        user: uuid.UUID | str | None = None,
        *groups: uuid.UUID | str,
        name: str | None = None,
    ) -> uuid.UUID:
        """A teacher as identity announces their access (with their name, as it does now)."""
        user_id = uuid.UUID(str(user)) if user else uuid.uuid4()
        access = AccessChanged(
            user_id=user_id,
            role="teacher",
            status="active",
            finances_hidden=False,
            organisation_wide=False,
            branch_ids=[],
            group_ids=[uuid.UUID(str(g)) for g in groups],
            name=name,
        )
        self.deliver(access, org.tenant, source="identity")
        return user_id

    def call(self, method: str, path: str, principal: Principal, **kwargs: Any) -> Any:
        self.know(principal.tenant_id)
        headers = internal_headers(principal, "journal") | kwargs.pop("headers", {})
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

    def events(self, event_type: str, subject: str | None = None) -> list[dict[str, Any]]:
        rows = self.sql("SELECT body FROM outbox WHERE event_type = $1 ORDER BY seq", event_type)
        found = [json.loads(r["body"]) for r in rows]
        return [e for e in found if subject is None or e["subject"] == subject]

    def deliver(
        self, payload: EventPayload, tenant: uuid.UUID, source: str = "clients", **kw: Any
    ) -> list[str]:
        """Hand an event of another context to the journal's consumer (inbox and all)."""
        if isinstance(payload, ClientState):
            self.cards.add(payload.client_id)
        envelope = EventEnvelope(
            type=payload.event_type,
            version=payload.event_version,
            source=source,
            tenant_id=tenant,
            subject=str(uuid.uuid4()),
            data=payload.model_dump(mode="json"),
            **kw,
        )
        inbox = self.client.app.state.components[0].inbox  # type: ignore[attr-defined]
        results = self.client.portal.call(inbox.handle_batch, [envelope])  # type: ignore[union-attr]
        return [r.outcome.value for r in results]

    def today(self, day: date) -> None:
        """Fix the service's clock at noon UTC of a day."""
        moment = datetime.combine(day, time(12), tzinfo=UTC)
        self.client.app.state.clock = lambda: moment  # type: ignore[attr-defined]

    # building blocks
    def group(self, org: Org, **fields: Any) -> dict[str, Any]:
        for teacher in fields.get("teacher_ids", []):
            self.teacher_of(org, teacher)
        body: dict[str, Any] = {
            "name": f"Group {uuid.uuid4().hex[:6]}",
            "branch_id": str(org.branch),
            "starts_on": "2026-01-01",
        } | fields
        return self.ok("POST", f"{J}/groups", org.owner, 201, json=body)  # type: ignore[no-any-return]

    def room(self, org: Org, branch: uuid.UUID | None = None, **fields: Any) -> dict[str, Any]:
        body = {"branch_id": str(branch or org.branch), "name": f"Room {uuid.uuid4().hex[:4]}"}
        return self.ok("POST", f"{J}/rooms", org.owner, 201, json=body | fields)  # type: ignore[no-any-return]

    def lesson(
        self, org: Org, group: dict[str, Any], day: str, at: str = "10:00", **fields: Any
    ) -> dict[str, Any]:
        body = {"lesson_date": day, "starts_at": at, "duration_minutes": 60} | fields
        return self.ok(  # type: ignore[no-any-return]
            "POST", f"{J}/groups/{group['id']}/lessons", org.owner, 201, json=body
        )

    def enrol(
        self,
        org: Org,
        group: dict[str, Any],
        client: uuid.UUID | None = None,
        since: str = "2026-01-01",
        **fields: Any,
    ) -> dict[str, Any]:
        client = self.client_of(org, client)
        body = {"client_id": str(client), "from_date": since} | fields
        return self.ok(  # type: ignore[no-any-return]
            "POST", f"{J}/groups/{group['id']}/enrolments", org.owner, 201, json=body
        )

    def mark(
        self,
        principal: Principal,
        lesson: dict[str, Any],
        client: str | uuid.UUID,
        status: str,
        **fields: Any,
    ) -> Any:
        headers = fields.pop("headers", {})
        return self.call(
            "PUT",
            f"{J}/lessons/{lesson['id']}/marks/{client}",
            principal,
            json={"status": status} | fields,
            headers=headers,
        )


async def seed_read_models(db_url: str, org: Org, clients: list[str]) -> None:
    """Writes what identity's and clients' events would have told the journal (its branches,
    its clients' cards) straight into the read models, for tests of other paths."""
    conn = await asyncpg.connect(db_url.replace("+asyncpg", ""))
    try:
        await conn.executemany(
            "INSERT INTO branches (id, tenant_id) VALUES ($1, $2)",
            [(b, org.tenant) for b in (org.branch, org.other_branch)],
        )
        await conn.executemany(
            "INSERT INTO client_cards (client_id, tenant_id, first_name, last_name, branch_id,"
            " card_at) VALUES ($1, $2, 'Ann', 'Lee', $3, now())",
            [(uuid.UUID(c), org.tenant, org.branch) for c in clients],
        )
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    name = f"t_journal_{uuid.uuid4().hex[:8]}"
    url = with_database(server_database_url(), name)
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    # In-process bus: these tests read what was emitted from the outbox; the RabbitMQ
    # path has its own module (test_events_rabbitmq.py).
    settings = Settings(database_url=url, amqp_url="", db_pool_size=3)
    try:
        with TestClient(create_app(settings)) as client:
            yield Api(client, url.replace("+asyncpg", ""))
    finally:
        asyncio.run(drop_database(url))


@pytest.fixture
def org() -> Org:
    return Org()
