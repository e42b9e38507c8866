"""SMS through an HTTP provider (a fake one here): off until the organisation turns it on,
then the last channel of the order, with a monthly cap; portal codes to a phone."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import uvicorn
from fastapi.testclient import TestClient
from notifications_svc.main import create_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from crm_contracts.events.billing import PaymentDueSoon
from crm_contracts.events.identity import PortalCodeIssued
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.dev_keys import DEV_SEAL_PUBLIC_KEY
from crm_platform.sealing import seal
from crm_platform.testing import server_database_url

from .conftest import SERVICE_DIR, Api, Mailbox, N, app_settings, free_port, wait_for


class FakeSmsProvider:
    def __init__(self) -> None:
        self.port = free_port()
        self.sent: list[tuple[dict[str, Any], str]] = []
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/messages", self._send, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    async def _send(self, request: Request) -> JSONResponse:
        body = await request.json()
        with self._lock:
            self.sent.append((body, request.headers.get("authorization", "")))
            n = len(self.sent)
        return JSONResponse({"id": f"sms-{n}"}, status_code=201)

    def to(self, phone: str) -> list[dict[str, Any]]:
        with self._lock:
            return [b for b, _ in self.sent if b["to"] == phone]

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeSmsProvider]:
    server = FakeSmsProvider()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def sms_api(smtp: Mailbox, provider: FakeSmsProvider) -> Iterator[Api]:
    url = with_database(server_database_url(), f"t_notify_sms_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    settings = app_settings(
        url,
        smtp,
        sms_api_url=f"http://127.0.0.1:{provider.port}/messages",
        sms_api_token="sms-token",
        sms_sender="Music",
    )
    try:
        with TestClient(create_app(settings)) as client:
            yield Api(client, url.replace("+asyncpg", ""), smtp)
    finally:
        asyncio.run(drop_database(url))


def due(client_id: uuid.UUID) -> PaymentDueSoon:
    return PaymentDueSoon(
        due_item_id=uuid.uuid4(),
        client_id=client_id,
        kind="credit",
        due_on=date(2026, 12, 24),
        amount_minor=6_000,
        currency="PLN",
        balance_minor=-6_000,
    )


def test_sms_is_off_until_turned_on_then_capped_per_month(
    sms_api: Api, provider: FakeSmsProvider
) -> None:
    api = sms_api
    org = api.organisation()
    first = api.client_of(org, email=None, phone="+48600000001")
    api.send(due(first), org.tenant)
    (off,) = api.messages(client_id=first)
    assert off["reason"] == "no address: no confirmed email or bound chat"
    shown = api.ok(
        "PATCH", f"{N}/settings", org.owner, json={"sms_enabled": True, "sms_monthly_cap": 1}
    )
    assert shown["sms_enabled"] is True
    assert shown["sms_monthly_cap"] == 1
    assert shown["quiet_hours"] is None  # untouched
    api.send(due(first), org.tenant)
    (sms,) = wait_for(lambda: provider.to("+48600000001"))
    assert "60.00" in sms["text"]
    assert sms["from"] == "Music"
    assert provider.sent[-1][1] == "Bearer sms-token"
    second = api.client_of(org, email=None, phone="+48600000002")
    api.send(due(second), org.tenant)
    (capped,) = api.messages(client_id=second)
    assert capped["reason"] == "monthly SMS cap reached"
    code = "730155"
    issued = PortalCodeIssued(
        login="+48600000003",
        channel="phone",
        purpose="signin",
        sealed_code=seal(DEV_SEAL_PUBLIC_KEY, "portal_code", code),
        expires_at=datetime(2026, 12, 9, tzinfo=UTC),
    )
    api.send(issued, org.tenant)
    assert api.messages(trigger="portal_code")[0]["reason"] == "monthly SMS cap reached"
    api.ok("PATCH", f"{N}/settings", org.owner, json={"sms_monthly_cap": 10})
    api.send(issued, org.tenant)  # a new event id: a new code
    (text,) = wait_for(lambda: provider.to("+48600000003"))
    assert code in text["text"]
    bad = api.call("PATCH", f"{N}/settings", org.owner, json={"sms_monthly_cap": -1})
    assert bad.status_code == 422


def test_a_monthly_sms_cap_of_nought_sends_no_sms(sms_api: Api, provider: FakeSmsProvider) -> None:
    """0 is a cap the settings take: no SMS at all (it once read as "not chosen": 500)."""
    api = sms_api
    org = api.organisation()
    api.ok("PATCH", f"{N}/settings", org.owner, json={"sms_enabled": True, "sms_monthly_cap": 0})
    client = api.client_of(org, email=None, phone="+48600000009")
    api.send(due(client), org.tenant)
    (capped,) = api.messages(client_id=client)
    assert capped["reason"] == "monthly SMS cap reached"
    assert provider.to("+48600000009") == []
