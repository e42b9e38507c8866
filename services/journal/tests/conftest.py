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


@dataclass
class Org:
    """An organisation as the journal sees it: a tenant, two branches, and its staff."""

    tenant: uuid.UUID = field(default_factory=uuid.uuid4)
    branch: uuid.UUID = field(default_factory=uuid.uuid4)
    other_branch: uuid.UUID = field(default_factory=uuid.uuid4)
    owner_id: uuid.UUID = field(default_factory=uuid.uuid4)

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

    def call(self, method: str, path: str, principal: Principal, **kwargs: Any) -> Any:
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
        body = {"client_id": str(client or uuid.uuid4()), "from_date": since} | fields
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
