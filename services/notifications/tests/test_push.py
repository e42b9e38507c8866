"""Push: the apps register devices from the portal (FCM tokens, Web Push subscriptions), a
client message goes to every device by the real FCM HTTP v1 and Web Push clients (fake
providers check the OAuth2 assertion, the VAPID signature and decrypt the aes128gcm body),
dead tokens (404, 410) are forgotten and busy providers (429, 5xx) tried again."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from notifications_svc.main import create_app
from notifications_svc.push.webpush import vapid_public_key
from py_vapid import Vapid02

from crm_platform.db_admin import drop_database, ensure_database, upgrade_sync, with_database
from crm_platform.testing import server_database_url

from .conftest import SERVICE_DIR, Api, Mailbox, N, app_settings, text_of, wait_for
from .fake_push import FakePushProviders, b64url
from .test_preferences import portal
from .test_rules import due

D = "/portal/v1/devices"
FCM_TOKEN = "fcm-token-" + "a" * 40


@pytest.fixture(scope="module")
def providers() -> Iterator[FakePushProviders]:
    server = FakePushProviders()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def vapid_key() -> str:
    key = Vapid02()
    key.generate_keys()
    raw = key.private_key.private_numbers().private_value.to_bytes(32, "big")
    return b64url(raw)


@pytest.fixture(scope="module")
def push_api(
    smtp: Mailbox,
    providers: FakePushProviders,
    vapid_key: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Api]:
    account = Path(tmp_path_factory.mktemp("fcm")) / "service-account.json"
    account.write_text(json.dumps(providers.service_account()))
    url = with_database(server_database_url(), f"t_notify_push_{uuid.uuid4().hex[:8]}")
    asyncio.run(ensure_database(url))
    upgrade_sync(SERVICE_DIR, url)
    settings = app_settings(
        url,
        smtp,
        fcm_service_account_file=str(account),
        fcm_api_url=providers.url,
        webpush_vapid_private_key=vapid_key,
        webpush_subject="mailto:push@example.com",
        webpush_allowed_hosts=["127.0.0.1"],
    )
    try:
        with TestClient(create_app(settings)) as client:
            yield Api(client, url.replace("+asyncpg", ""), smtp)
    finally:
        asyncio.run(drop_database(url))


def fcm(token: str = FCM_TOKEN, **kw: object) -> dict[str, object]:
    return {"kind": "fcm", "platform": "android", "token": token} | kw


def webpush(subscription: dict[str, object]) -> dict[str, object]:
    return {"kind": "webpush", "subscription": subscription}


def test_the_apps_register_devices_for_the_sessions_client_only(
    push_api: Api, providers: FakePushProviders, vapid_key: str
) -> None:
    api = push_api
    org = api.organisation()
    client = api.client_of(org)
    other = api.client_of(org)
    me = portal(org, client)
    listed = api.ok("GET", D, me)
    assert listed == {
        "items": [],
        "next_cursor": None,
        "vapid_public_key": vapid_public_key(vapid_key),
    }

    phone = api.ok("POST", D, me, status=201, json=fcm())
    again = api.ok("POST", D, me, status=201, json=fcm())
    assert again["id"] == phone["id"]
    browser = providers.browser(f"b-{uuid.uuid4().hex[:6]}")
    web = api.ok("POST", D, me, status=201, json=webpush(browser.subscription()))
    assert (web["kind"], web["platform"], web["client_id"]) == ("webpush", "web", str(client))
    items = api.ok("GET", D, me)["items"]
    assert [i["id"] for i in items] == [phone["id"], web["id"]]

    # the server POSTs to the endpoint: only a known push service's
    elsewhere = browser.subscription() | {"endpoint": "https://internal.example/hook"}
    refused = api.call("POST", D, me, json=webpush(elsewhere))
    assert refused.status_code == 422
    assert "subscription.endpoint" in refused.text
    bad_key = browser.subscription()
    bad_key["keys"] = {"p256dh": b64url(b"\x04" + b"\x01" * 64), "auth": b64url(b"x" * 16)}
    refused = api.call("POST", D, me, json=webpush(bad_key))
    assert refused.status_code == 422
    assert "p256dh" in refused.text
    short_auth = browser.subscription()
    short_auth["keys"] = dict(short_auth["keys"]) | {"auth": b64url(b"x" * 8)}  # type: ignore[arg-type]
    assert "auth" in api.call("POST", D, me, json=webpush(short_auth)).text
    for wrong in (fcm(platform="symbian"), fcm(token="has spaces " * 3), {"kind": "pager"}):
        answer = api.call("POST", D, me, json=wrong)
        assert answer.status_code == 422, wrong
    assert "platform" in api.call("POST", D, me, json=fcm(platform="symbian")).text

    # another family's client, a staff token, another organisation: as if it did not exist
    assert api.call("POST", D, me, json=fcm(client_id=str(other))).status_code == 404
    assert api.call("POST", D, org.owner, json=fcm()).status_code == 404
    stranger = api.organisation()
    intruder = portal(stranger, client)
    assert api.call("POST", D, intruder, json=fcm()).status_code == 404
    assert api.call("DELETE", f"{D}/{phone['id']}", intruder).status_code == 404
    theirs = portal(org, other)
    assert api.call("DELETE", f"{D}/{phone['id']}", theirs).status_code == 404
    assert api.call("DELETE", f"{D}/{phone['id']}", me).status_code == 204
    assert [i["id"] for i in api.ok("GET", D, me)["items"]] == [web["id"]]
    assert api.call("DELETE", f"{D}/{phone['id']}", me).status_code == 404


def test_a_reminder_goes_by_push_to_every_device_before_email(
    push_api: Api, providers: FakePushProviders, vapid_key: str
) -> None:
    api = push_api
    org = api.organisation()
    client = api.client_of(org, email="pushed@example.com")
    me = portal(org, client)
    token = f"tok-{uuid.uuid4().hex}"
    api.ok("POST", D, me, status=201, json=fcm(token, platform="ios"))
    browser = providers.browser(f"b-{uuid.uuid4().hex[:6]}")
    api.ok("POST", D, me, status=201, json=webpush(browser.subscription()))

    api.send(due(client, amount_minor=4_250, balance_minor=-4_250), org.tenant)
    (row,) = wait_for(lambda: api.messages(client_id=client, status="sent"))
    assert row["channel"] == "push"
    (on_phone,) = wait_for(lambda: providers.fcm_to(token))
    assert "42.50" in on_phone["notification"]["body"]
    assert on_phone["data"] == {"message_id": str(row["id"]), "client_id": str(client)}
    (in_browser,) = wait_for(lambda: providers.pushed_to(browser.endpoint.rsplit("/", 1)[1]))
    assert "42.50" in in_browser["body"]
    assert in_browser["message_id"] == str(row["id"])
    assert in_browser["client_id"] == str(client)
    assert in_browser["title"] == on_phone["notification"]["title"]
    assert providers.vapid_keys == {vapid_public_key(vapid_key)}
    assert providers.refusals == []
    assert api.smtp.to("pushed@example.com") == []

    # opted out of push: the next reachable channel, email
    api.ok(
        "PUT",
        f"{N}/clients/{client}/opt-outs",
        org.owner,
        json={"category": "reminders", "channel": "push", "opted_out": True},
    )
    api.send(due(client, amount_minor=1_000, balance_minor=-1_000), org.tenant)
    (letter,) = wait_for(lambda: api.smtp.to("pushed@example.com"))
    assert "10.00" in text_of(letter)


def test_dead_devices_are_forgotten_and_busy_providers_tried_again(
    push_api: Api, providers: FakePushProviders
) -> None:
    api = push_api
    org = api.organisation()
    client = api.client_of(org, email="fallback@example.com")
    me = portal(org, client)
    dead = f"dead-{uuid.uuid4().hex}"
    api.ok("POST", D, me, status=201, json=fcm(dead))
    name = f"b-{uuid.uuid4().hex[:6]}"
    browser = providers.browser(name)
    api.ok("POST", D, me, status=201, json=webpush(browser.subscription()))
    providers.queue(dead, 404)
    providers.queue(name, 503)
    providers.queue(name, 429, {"Retry-After": "1"})

    api.send(due(client), org.tenant)
    (row,) = wait_for(lambda: api.messages(client_id=client, status="sent"), within=30)
    assert row["channel"] == "push"
    assert row["attempts"] == 3
    assert len(providers.pushed_to(name)) == 1
    steps = api.sql(
        "SELECT status, detail FROM message_attempts WHERE message_id = $1 ORDER BY id", row["id"]
    )
    assert [s["status"] for s in steps] == ["queued", "failed", "failed", "sent"]
    assert "FCM 404" in steps[1]["detail"]
    assert "push service 503" in steps[1]["detail"]
    kinds = [i["kind"] for i in api.ok("GET", D, me)["items"]]
    assert kinds == ["webpush"]

    # the browser's subscription expired too (410): nothing left, so email takes over
    providers.queue(name, 410)
    api.send(due(client), org.tenant)
    failed = wait_for(lambda: api.messages(client_id=client, status="failed"))
    assert "push service 410" in failed[0]["reason"]
    assert api.ok("GET", D, me)["items"] == []
    api.send(due(client), org.tenant)
    wait_for(lambda: api.smtp.to("fallback@example.com"))
    wait_for(lambda: api.messages(client_id=client, status="sent", channel="email"))
    assert len(api.messages(client_id=client, status="sent")) == 2


def test_without_push_set_up_a_device_is_refused_naming_the_kind(api: Api) -> None:
    org = api.organisation()
    me = portal(org, api.client_of(org))
    refused = api.call("POST", D, me, json=fcm())
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "kind"
    assert api.ok("GET", D, me)["vapid_public_key"] is None
