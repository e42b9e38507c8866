"""The portal app on a fresh PostgreSQL database, called as the gateway would call it, and fed
the other contexts' events through its own consumer."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fastapi.testclient import TestClient
from portal_svc.main import create_app
from portal_svc.settings import Settings

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events import clients as c
from crm_contracts.events import identity as i
from crm_contracts.events import journal as j
from crm_contracts.registry import EventPayload
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.internal_auth import Principal
from crm_platform.testing import internal_headers, server_database_url

SERVICE_DIR = Path(__file__).resolve().parents[1]
P = "/portal/v1"
TODAY = date(2026, 3, 2)
T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
TODAY_NOON = datetime.combine(TODAY, time(12), tzinfo=UTC)


def account(tenant: uuid.UUID, *clients: uuid.UUID) -> Principal:
    return Principal(
        tenant_id=tenant, subject=str(uuid.uuid4()), realm="portal", client_ids=frozenset(clients)
    )


def link(tenant: uuid.UUID, client: uuid.UUID) -> Principal:
    return Principal(
        tenant_id=tenant, subject="link", realm="anonymous", client_ids=frozenset({client})
    )


def envelope(payload: EventPayload, tenant: uuid.UUID, at: datetime, **kw: Any) -> EventEnvelope:
    return EventEnvelope(
        type=payload.event_type,
        version=payload.event_version,
        source=payload.event_type.split(".")[0],
        tenant_id=tenant,
        subject=str(uuid.uuid4()),
        time=at,
        data=payload.model_dump(mode="json"),
        **kw,
    )


@dataclass
class Org:
    """An organisation with a parent, two children in one family, and a group."""

    tenant: uuid.UUID = field(default_factory=uuid.uuid4)
    branch: uuid.UUID = field(default_factory=uuid.uuid4)
    family: uuid.UUID = field(default_factory=uuid.uuid4)
    parent: uuid.UUID = field(default_factory=uuid.uuid4)
    child: uuid.UUID = field(default_factory=uuid.uuid4)
    other_child: uuid.UUID = field(default_factory=uuid.uuid4)
    group: uuid.UUID = field(default_factory=uuid.uuid4)
    clock: list[datetime] = field(default_factory=lambda: [T0])

    def at(self) -> datetime:
        """Each event a second after the one before."""
        self.clock[0] += timedelta(seconds=1)
        return self.clock[0]

    def card(self, client: uuid.UUID, first: str, **fields: Any) -> c.ClientUpdated:
        return c.ClientUpdated(
            client_id=client,
            first_name=first,
            last_name="Kowalski",
            family_id=fields.pop("family_id", self.family),
            **fields,
        )

    def basics(self) -> list[EventPayload]:
        return [
            i.OrganisationUpdated(
                organisation_id=self.tenant,
                name="Music school",
                currency="PLN",
                time_zone="Europe/Warsaw",
                locale="pl",
                plan="free",
            ),
            self.card(self.parent, "Anna", email="anna@example.com", email_confirmed=True),
            self.card(self.child, "Jan"),
            self.card(self.other_child, "Ola"),
            c.FamilyChanged(
                family_id=self.family, member_ids=[self.parent, self.child, self.other_child]
            ),
            j.GroupCreated(group_id=self.group, branch_id=self.branch, name="Piano 1"),
            j.EnrolmentStarted(
                enrolment_id=uuid.uuid4(),
                group_id=self.group,
                branch_id=self.branch,
                client_id=self.child,
                from_date=date(2026, 1, 1),
            ),
        ]


class Api:
    def __init__(self, client: TestClient, db_url: str) -> None:
        self.client = client
        self.db_url = db_url

    def call(self, method: str, path: str, principal: Principal, **kwargs: Any) -> Any:
        headers = internal_headers(principal, "portal") | kwargs.pop("headers", {})
        return self.client.request(method, path, headers=headers, **kwargs)

    def ok(self, method: str, path: str, principal: Principal, status: int = 200, **kw: Any) -> Any:
        response = self.call(method, path, principal, **kw)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    def get(self, path: str, principal: Principal, **params: Any) -> Any:
        return self.ok("GET", path, principal, params=params)

    def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async def run() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(self.db_url)
            try:
                return list(await conn.fetch(query, *args))
            finally:
                await conn.close()

        return asyncio.run(run())

    def deliver(self, org: Org, *payloads: EventPayload, at: datetime | None = None) -> list[str]:
        """Hand events of other contexts to the portal's consumer (inbox and all)."""
        return self.deliver_envelopes([envelope(p, org.tenant, at or org.at()) for p in payloads])

    def deliver_envelopes(self, envelopes: list[EventEnvelope]) -> list[str]:
        inbox = self.client.app.state.components[0].inbox  # type: ignore[attr-defined]
        results = self.client.portal.call(inbox.handle_batch, envelopes)  # type: ignore[union-attr]
        return [r.outcome.value for r in results]

    def today(self, day: date) -> None:
        moment = datetime.combine(day, time(12), tzinfo=UTC)
        self.client.app.state.clock = lambda: moment  # type: ignore[attr-defined]


@contextmanager
def fresh_database() -> Iterator[str]:
    """A new database migrated by the portal's migrations, dropped afterwards."""
    url = with_database(server_database_url(), f"t_portal_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    try:
        yield url
    finally:
        asyncio.run(drop_database(url))


@contextmanager
def running(url: str, **settings: Any) -> Iterator[Api]:
    """The portal app on that database, with these settings."""
    config = Settings(database_url=url, amqp_url="", db_pool_size=3, **settings)
    with TestClient(create_app(config)) as client:
        api = Api(client, url.replace("+asyncpg", ""))
        api.today(TODAY)
        yield api


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with fresh_database() as url, running(url) as api:
        yield api


@pytest.fixture
def org(api: Api) -> Org:
    org = Org()
    api.deliver(org, *org.basics())
    return org
