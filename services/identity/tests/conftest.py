"""The identity app on a fresh PostgreSQL database, called as the gateway would call it."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from fastapi.testclient import TestClient
from identity_svc.main import create_app
from identity_svc.settings import Settings

from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.internal_auth import Principal
from crm_platform.testing import amqp_url, internal_headers, server_database_url

SERVICE_DIR = Path(__file__).resolve().parents[1]
ANONYMOUS = Principal(tenant_id=None, subject="anonymous", realm="anonymous")
SYSTEM = Principal(tenant_id=None, subject="gateway", realm="system")


class Api:
    """A TestClient that signs every call with the gateway's internal token for a principal."""

    def __init__(self, client: TestClient, db_url: str) -> None:
        self.client = client
        self.db_url = db_url

    def call(self, method: str, path: str, principal: Principal = ANONYMOUS, **kwargs: Any) -> Any:
        headers = internal_headers(principal, "identity") | kwargs.pop("headers", {})
        return self.client.request(method, path, headers=headers, **kwargs)

    def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async def run() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(self.db_url)
            try:
                return list(await conn.fetch(query, *args))
            finally:
                await conn.close()

        return asyncio.run(run())

    def events(self, event_type: str) -> list[dict[str, Any]]:
        import json

        rows = self.sql("SELECT body FROM outbox WHERE event_type = $1 ORDER BY seq", event_type)
        return [json.loads(r["body"]) for r in rows]

    def sign_up(
        self, email: str | None = None, password: str = "correct horse battery"
    ) -> dict[str, Any]:
        email = email or f"owner-{uuid.uuid4().hex[:8]}@school.example.com"
        response = self.call(
            "POST",
            "/auth/signup",
            json={
                "organisation": {
                    "name": "Music school",
                    "currency": "PLN",
                    "time_zone": "Europe/Warsaw",
                    "locale": "pl",
                },
                "branch_name": "Centre",
                "owner": {"name": "Olga Owner", "email": email, "password": password},
            },
        )
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body


def staff_principal(
    tenant: str | uuid.UUID,
    user: str | uuid.UUID,
    role: str,
    *,
    branches: set[uuid.UUID] = frozenset(),  # type: ignore[assignment]
    groups: set[uuid.UUID] = frozenset(),  # type: ignore[assignment]
) -> Principal:
    return Principal(
        tenant_id=uuid.UUID(str(tenant)),
        subject=str(user),
        realm="staff",
        role=role,
        all_branches=role == "owner",
        branch_ids=frozenset(branches),
        group_ids=frozenset(groups),
    )


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    name = f"t_identity_{uuid.uuid4().hex[:8]}"
    url = with_database(server_database_url(), name)
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    settings = Settings(
        database_url=url,
        amqp_url=amqp_url(),
        db_pool_size=3,
        lockout_failures=5,
        key_publish_ahead_seconds=600,
    )
    try:
        with TestClient(create_app(settings)) as client:
            yield Api(client, url.replace("+asyncpg", ""))
    finally:
        asyncio.run(drop_database(url))
