"""The clients app on a fresh PostgreSQL database, called as the gateway would call it.

Events from other contexts are handed to the app's own inbox consumer (the code RabbitMQ
deliveries go through); test_consumers.py also sends them through the real RabbitMQ.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from clients_svc.main import create_app
from clients_svc.settings import Settings
from fastapi.testclient import TestClient

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.identity import (
    AccessChanged,
    BranchCreated,
    OrganisationRegistered,
    OrganisationUpdated,
)
from crm_contracts.events.journal import EnrolmentStarted, GroupCreated
from crm_contracts.registry import EventPayload
from crm_messaging import ServiceMessaging
from crm_messaging.inbox import Result
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.internal_auth import Principal
from crm_platform.testing import internal_headers, server_database_url

SERVICE_DIR = Path(__file__).resolve().parents[1]
SYSTEM = Principal(tenant_id=None, subject="gateway", realm="system")
ANONYMOUS = Principal(tenant_id=None, subject="anonymous", realm="anonymous")


def staff(
    tenant: uuid.UUID,
    role: str = "owner",
    *,
    branches: set[uuid.UUID] | frozenset[uuid.UUID] = frozenset(),
    groups: set[uuid.UUID] | frozenset[uuid.UUID] = frozenset(),
    finances_hidden: bool = False,
    user: uuid.UUID | None = None,
) -> Principal:
    return Principal(
        tenant_id=tenant,
        subject=str(user or uuid.uuid4()),
        realm="staff",
        role=role,
        all_branches=role == "owner",
        branch_ids=frozenset(branches),
        group_ids=frozenset(groups),
        finances_hidden=finances_hidden,
    )


@dataclass
class Org:
    tenant_id: uuid.UUID
    branch_id: uuid.UUID
    owner: Principal


class Api:
    """A TestClient that signs every call with the gateway's internal token for a principal."""

    def __init__(self, client: TestClient, db_url: str) -> None:
        self.client = client
        self.db_url = db_url

    @property
    def messaging(self) -> ServiceMessaging:
        messaging: ServiceMessaging = self.client.app.state.messaging  # type: ignore[attr-defined]
        return messaging

    def call(self, method: str, path: str, principal: Principal = ANONYMOUS, **kwargs: Any) -> Any:
        headers = internal_headers(principal, "clients") | kwargs.pop("headers", {})
        return self.client.request(method, path, headers=headers, **kwargs)

    def ok(self, method: str, path: str, principal: Principal, **kwargs: Any) -> Any:
        response = self.call(method, path, principal, **kwargs)
        assert response.status_code < 300, response.text
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

    # events from other contexts, through the service's inbox consumer
    def envelope(
        self,
        payload: EventPayload,
        tenant: uuid.UUID,
        subject: uuid.UUID | str,
        at: datetime | None = None,
    ) -> EventEnvelope:
        return EventEnvelope(
            type=payload.event_type,
            version=payload.event_version,
            source=payload.event_type.split(".")[0],
            tenant_id=tenant,
            subject=str(subject),
            time=at or datetime.now(UTC),
            data=payload.model_dump(mode="json"),
        )

    def deliver(self, *envelopes: EventEnvelope) -> list[Result]:
        portal = self.client.portal
        assert portal is not None
        return portal.call(self.messaging.inbox.handle_batch, list(envelopes))

    def organisation(self, plan: str = "pro", time_zone: str = "Europe/Warsaw") -> Org:
        tenant, branch = uuid.uuid4(), uuid.uuid4()
        events = [
            self.envelope(
                OrganisationRegistered(
                    organisation_id=tenant,
                    name="School",
                    currency="PLN",
                    time_zone=time_zone,
                    locale="pl",
                    first_branch_id=branch,
                    owner_user_id=uuid.uuid4(),
                ),
                tenant,
                tenant,
            )
        ]
        if plan != "free":
            events.append(
                self.envelope(
                    OrganisationUpdated(
                        organisation_id=tenant,
                        name="School",
                        currency="PLN",
                        time_zone=time_zone,
                        locale="pl",
                        plan=plan,
                    ),
                    tenant,
                    tenant,
                )
            )
        self.deliver(*events)
        return Org(tenant, branch, staff(tenant, "owner"))

    def branch(self, org: Org) -> uuid.UUID:
        """Another branch of the organisation, as identity announces it."""
        branch = uuid.uuid4()
        self.deliver(
            self.envelope(BranchCreated(branch_id=branch, name="B"), org.tenant_id, branch)
        )
        return branch

    def group(self, org: Org, branch: uuid.UUID | None = None) -> uuid.UUID:
        """A group of a branch (the main one by default), as the journal announces it."""
        group = uuid.uuid4()
        created = GroupCreated(group_id=group, branch_id=branch or org.branch_id, name="G")
        self.deliver(self.envelope(created, org.tenant_id, group))
        return group

    def staff_member(
        self,
        tenant: uuid.UUID,
        role: str = "teacher",
        *,
        branches: set[uuid.UUID] | frozenset[uuid.UUID] = frozenset(),
        groups: set[uuid.UUID] | frozenset[uuid.UUID] = frozenset(),
        status: str = "active",
        user: uuid.UUID | None = None,
        at: datetime | None = None,
    ) -> uuid.UUID:
        """A staff member's access as identity announces it (identity.access_changed)."""
        user = user or uuid.uuid4()
        access = AccessChanged(
            user_id=user,
            role=role,
            status=status,
            finances_hidden=False,
            organisation_wide=role == "owner",
            branch_ids=sorted(branches),
            group_ids=sorted(groups),
        )
        self.deliver(self.envelope(access, tenant, user, at))
        return user

    def client_of(self, org: Org, **fields: Any) -> dict[str, Any]:
        body = {"first_name": "Anna", "last_name": "Nowak"} | fields
        created: dict[str, Any] = self.ok("POST", "/api/v1/clients/clients", org.owner, json=body)
        return created

    def enrol(
        self,
        org: Org,
        client_id: str,
        group: uuid.UUID,
        branch: uuid.UUID | None = None,
        from_date: date | None = None,
    ) -> EventEnvelope:
        envelope = self.envelope(
            EnrolmentStarted(
                enrolment_id=uuid.uuid4(),
                group_id=group,
                branch_id=branch or org.branch_id,
                client_id=uuid.UUID(client_id),
                from_date=from_date or date(2026, 1, 1),
            ),
            org.tenant_id,
            client_id,
        )
        self.deliver(envelope)
        return envelope


def database_url(prefix: str) -> str:
    return with_database(server_database_url(), f"t_{prefix}_{uuid.uuid4().hex[:8]}")


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    url = database_url("clients")
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    # No broker: the relay publishes on the in-process bus; events are read from the outbox.
    settings = Settings(database_url=url, amqp_url="", db_pool_size=3)
    try:
        with TestClient(create_app(settings)) as client:
            yield Api(client, url.replace("+asyncpg", ""))
    finally:
        asyncio.run(drop_database(url))
