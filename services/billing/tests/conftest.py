"""The billing app on a fresh PostgreSQL database, called as the gateway would call it."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from billing_svc.main import create_app
from billing_svc.settings import Settings
from fastapi.testclient import TestClient

from crm_contracts.envelope import EventEnvelope
from crm_contracts.events.identity import OrganisationRegistered
from crm_contracts.registry import EventPayload
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.internal_auth import Principal
from crm_platform.testing import amqp_url, internal_headers, server_database_url


def org_today(time_zone: str = "Europe/Warsaw") -> date:
    """Today where the test organisation is (a day ahead of UTC late in a UTC evening)."""
    return datetime.now(ZoneInfo(time_zone)).date()


SERVICE_DIR = Path(__file__).resolve().parents[1]


def staff(tenant: uuid.UUID, role: str = "owner", **kwargs: Any) -> Principal:
    return Principal(
        tenant_id=tenant,
        subject=str(uuid.uuid4()),
        realm="staff",
        role=role,
        all_branches=role == "owner",
        **kwargs,
    )


class Api:
    """A TestClient that signs every call with the gateway's internal token."""

    def __init__(self, client: TestClient, db_url: str, audience: str = "billing") -> None:
        self.client = client
        self.db_url = db_url
        self.audience = audience

    def call(self, method: str, path: str, principal: Principal, **kwargs: Any) -> Any:
        headers = internal_headers(principal, self.audience) | kwargs.pop("headers", {})
        return self.client.request(method, "/api/v1/billing" + path, headers=headers, **kwargs)

    def write(self, path: str, principal: Principal, body: dict[str, Any], **kwargs: Any) -> Any:
        """A POST with a fresh Idempotency-Key."""
        headers = {"Idempotency-Key": uuid.uuid4().hex} | kwargs.pop("headers", {})
        return self.call("POST", path, principal, json=body, headers=headers, **kwargs)

    def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        async def run() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(self.db_url)
            try:
                return list(await conn.fetch(query, *args))
            finally:
                await conn.close()

        return asyncio.run(run())

    def events(self, event_type: str, tenant: uuid.UUID | None = None) -> list[dict[str, Any]]:
        rows = self.sql("SELECT body FROM outbox WHERE event_type = $1 ORDER BY seq", event_type)
        bodies = [json.loads(r["body"]) for r in rows]
        return [b for b in bodies if tenant is None or b["tenant_id"] == str(tenant)]

    def deliver(self, tenant: uuid.UUID, *payloads: EventPayload, source: str = "test") -> None:
        """Hands events to the app's consumer (inbox and all) as the broker would."""
        envelopes = [
            EventEnvelope(
                type=p.event_type,
                version=p.event_version,
                source=source,
                tenant_id=tenant,
                subject="s",
                data=p.model_dump(mode="json"),
            )
            for p in payloads
        ]
        self.deliver_envelopes(envelopes)

    def deliver_envelopes(self, envelopes: list[EventEnvelope]) -> list[Any]:
        messaging = self.client.app.state.components[0]  # type: ignore[attr-defined]
        results = self.client.portal.call(messaging.inbox.handle_batch, envelopes)  # type: ignore[union-attr]
        return list(results)

    def organisation(self, currency: str = "PLN", time_zone: str = "Europe/Warsaw") -> uuid.UUID:
        tenant = uuid.uuid4()
        self.deliver(
            tenant,
            OrganisationRegistered(
                organisation_id=tenant,
                name="School",
                currency=currency,
                time_zone=time_zone,
                locale="pl",
                first_branch_id=uuid.uuid4(),
                owner_user_id=uuid.uuid4(),
            ),
        )
        return tenant

    def service(self, owner: Principal, **body: Any) -> dict[str, Any]:
        base: dict[str, Any] = {"kind": "pack", "name": "Singing x 8", "price_minor": 40000}
        base |= {"classes": 8, "period": {"unit": "month", "count": 1}}
        response = self.call("POST", "/catalogue", owner, json=base | body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def sell(self, owner: Principal, client: uuid.UUID, **body: Any) -> dict[str, Any]:
        response = self.write(f"/clients/{client}/packs", owner, body)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    def burst(self, calls: list[tuple[Principal, str, dict[str, Any], str]]) -> list[Any]:
        """POST payments (who, client, body, key) at once, on the app's own event loop,
        so they meet in the payment writer."""

        async def run() -> list[httpx.Response]:
            transport = httpx.ASGITransport(app=self.client.app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://t", timeout=60
            ) as http:
                return list(
                    await asyncio.gather(
                        *(
                            http.post(
                                f"/api/v1/billing/clients/{client}/payments",
                                json=body,
                                headers=internal_headers(who, self.audience)
                                | {"Idempotency-Key": key, "X-Correlation-Id": f"corr-{n}"},
                            )
                            for n, (who, client, body, key) in enumerate(calls)
                        )
                    )
                )

        return self.client.portal.call(run)  # type: ignore[union-attr,no-any-return]

    def balance(self, owner: Principal, client: uuid.UUID) -> int:
        response = self.call("GET", f"/clients/{client}/balance", owner)
        assert response.status_code == 200, response.text
        return int(response.json()["balance_minor"])


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    name = f"t_billing_{uuid.uuid4().hex[:8]}"
    url = with_database(server_database_url(), name)
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    settings = Settings(database_url=url, amqp_url="", db_pool_size=3, reminders_enabled=False)
    try:
        with TestClient(create_app(settings)) as client:
            yield Api(client, url.replace("+asyncpg", ""))
    finally:
        asyncio.run(drop_database(url))


TODAY = date.today


__all__ = ["amqp_url"]
