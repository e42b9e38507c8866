"""Staff's view of how a client can be reached: each channel's state (never the Telegram chat
or a device's token) and the channel a message of each category would take now, by the
organisation's order and the client's opt-outs; scoped by tenant, branch and group (404)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from notifications_svc.main import create_app
from py_vapid import Vapid02

from crm_contracts.events.clients import ClientArchived, MessengerBound
from crm_contracts.events.journal import EnrolmentStarted
from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.testing import server_database_url

from .conftest import SERVICE_DIR, Api, Mailbox, N, Org, app_settings, staff
from .fake_push import FakePushProviders, b64url
from .test_preferences import portal

D = "/portal/v1/devices"
BOUND_AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
CHAT = "5550001234"


@pytest.fixture(scope="module")
def reach_api(smtp: Mailbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    providers = FakePushProviders()
    providers.start()
    key = Vapid02()
    key.generate_keys()
    vapid = b64url(key.private_key.private_numbers().private_value.to_bytes(32, "big"))
    account = Path(tmp_path_factory.mktemp("fcm")) / "service-account.json"
    account.write_text(json.dumps(providers.service_account()))
    url = with_database(server_database_url(), f"t_notify_reach_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    settings = app_settings(
        url,
        smtp,
        fcm_service_account_file=str(account),
        fcm_api_url=providers.url,
        webpush_vapid_private_key=vapid,
        webpush_allowed_hosts=["127.0.0.1"],
        sender_enabled=False,
    )
    try:
        with TestClient(create_app(settings)) as client:
            api = Api(client, url.replace("+asyncpg", ""), smtp)
            api.providers = providers  # type: ignore[attr-defined]
            yield api
    finally:
        providers.stop()
        asyncio.run(drop_database(url))


def reach(api: Api, org: Org, client: uuid.UUID) -> dict[str, Any]:
    answer: dict[str, Any] = api.ok("GET", f"{N}/clients/{client}/reach", org.owner)
    return answer


def routes(body: dict[str, Any]) -> dict[str, tuple[str | None, list[str]]]:
    return {r["category"]: (r["channel"], r["then"]) for r in body["routes"]}


def test_each_channel_and_where_each_category_goes_now(reach_api: Api) -> None:
    api = reach_api
    org = api.organisation()
    client = api.client_of(org, email="ida@example.com", phone="+48601000001")
    api.deliver(
        api.envelope(
            MessengerBound(client_id=client, channel="telegram", chat_id=CHAT),
            org.tenant,
            source="clients",
            time=BOUND_AT,
        )
    )
    me = portal(org, client)
    api.ok(
        "POST", D, me, status=201, json={"kind": "fcm", "platform": "android", "token": "t" * 40}
    )
    browser = api.providers.browser("reach")  # type: ignore[attr-defined]
    api.ok(
        "POST", D, me, status=201, json={"kind": "webpush", "subscription": browser.subscription()}
    )
    api.ok(
        "PUT",
        f"{N}/clients/{client}/opt-outs",
        org.owner,
        json={"category": "reminders", "channel": "email", "opted_out": True},
    )

    answer = api.call("GET", f"{N}/clients/{client}/reach", org.owner)
    assert answer.status_code == 200
    assert CHAT not in answer.text
    assert "t" * 40 not in answer.text
    body = answer.json()
    assert body["channel_order"] == ["telegram", "push", "email", "sms"]
    assert body["telegram"] == {
        "bound": True,
        "bound_since": "2026-11-02T09:30:00Z",
        "blocked": False,
        "opted_out": [],
    }
    assert body["push"]["devices"] == 2
    assert body["push"]["by_kind"] == [
        {"kind": "fcm", "platform": "android", "count": 1},
        {"kind": "webpush", "platform": "web", "count": 1},
    ]
    assert body["push"]["last_registered_at"] is not None
    assert body["email"] == {"present": True, "opted_out": ["reminders"]}
    assert body["sms"] == {"present": True, "enabled": False, "opted_out": []}
    assert routes(body) == {
        "transactional": ("telegram", ["push", "email"]),
        "reminders": ("telegram", ["push"]),  # email opted out; SMS is off
        "news": ("telegram", ["push", "email"]),
    }

    # the organisation's own order, with SMS on
    api.ok(
        "PATCH",
        f"{N}/settings",
        org.owner,
        json={"channel_order": ["email", "sms", "telegram"], "sms_enabled": True},
    )
    body = reach(api, org, client)
    assert body["channel_order"] == ["email", "sms", "telegram"]
    assert body["sms"]["enabled"] is True
    assert routes(body)["reminders"] == ("sms", ["telegram"])
    assert routes(body)["news"] == ("email", ["sms", "telegram"])

    api.send(ClientArchived(client_id=client), org.tenant)
    archived = reach(api, org, client)["routes"][0]
    assert (archived["channel"], archived["reason"]) == (None, "client archived")


def test_a_client_with_only_an_email_or_nothing(reach_api: Api) -> None:
    api = reach_api
    org = api.organisation()
    mailed = api.client_of(org, email="only@example.com")
    body = reach(api, org, mailed)
    assert body["telegram"] == {
        "bound": False,
        "bound_since": None,
        "blocked": False,
        "opted_out": [],
    }
    assert body["push"] == {
        "devices": 0,
        "by_kind": [],
        "last_registered_at": None,
        "opted_out": [],
    }
    assert routes(body)["reminders"] == ("email", [])

    silent = api.client_of(org, email=None)
    (first, *_) = reach(api, org, silent)["routes"]
    assert first["channel"] is None
    assert first["reason"].startswith("no address")


def test_another_organisation_or_an_unseen_client_is_404(reach_api: Api) -> None:
    api = reach_api
    org = api.organisation()
    other_branch = uuid.uuid4()
    group, other_group = uuid.uuid4(), uuid.uuid4()
    in_group = api.client_of(org)
    elsewhere = api.client_of(org, branch_id=other_branch)
    for client, grp, branch in (
        (in_group, group, org.branch),
        (elsewhere, other_group, other_branch),
    ):
        api.send(
            EnrolmentStarted(
                enrolment_id=uuid.uuid4(),
                group_id=grp,
                branch_id=branch,
                client_id=client,
                from_date=datetime(2026, 9, 1).date(),
            ),
            org.tenant,
        )

    def status(principal: Any, client: uuid.UUID) -> int:
        return int(api.call("GET", f"{N}/clients/{client}/reach", principal).status_code)

    stranger = api.organisation()
    assert status(stranger.owner, in_group) == 404
    assert status(org.owner, uuid.uuid4()) == 404
    teacher = staff(org.tenant, "teacher", group_ids=frozenset({group}))
    assert status(teacher, in_group) == 200
    assert status(teacher, elsewhere) == 404
    admin = staff(org.tenant, "admin", branch_ids=frozenset({org.branch}))
    assert status(admin, in_group) == 200
    assert status(admin, elsewhere) == 404
    # a client homed elsewhere belongs to the branch of a group they are in, too
    other_admin = staff(org.tenant, "admin", branch_ids=frozenset({other_branch}))
    assert status(other_admin, elsewhere) == 200
    assert status(portal(org, in_group), in_group) == 404
