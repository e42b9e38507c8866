"""Notifications on a device from the portal's preferences page, over the stand-in gateway of
test_portal_pages: the script is served as a service worker for all of /my, the page lists
the client's devices (each removable by a plain form) and offers the button only when the
server has a VAPID key, and the subscription and the removal reach the portal API."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from .test_portal_pages import (  # noqa: F401 - the fixtures
    DEVICE,
    JAN,
    OLA,
    VAPID_KEY,
    FakeGateway,
    _csrf,
    client,
    gateway,
)

SUBSCRIPTION = {
    "endpoint": "https://fcm.googleapis.com/fcm/send/abc",
    "expirationTime": None,
    "keys": {"p256dh": "BKey", "auth": "secret"},
}


def test_the_script_is_served_as_a_service_worker_for_the_whole_portal(
    client: TestClient,  # noqa: F811
) -> None:
    served = client.get("/my/push.js")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    assert served.headers["service-worker-allowed"] == "/my"
    assert 'addEventListener("push"' in served.text
    assert 'addEventListener("notificationclick"' in served.text


def test_the_page_lists_the_devices_and_offers_the_button_with_the_servers_key(
    client: TestClient,  # noqa: F811
) -> None:
    page = client.get(f"/my/preferences?client={OLA}").text
    assert f'data-key="{VAPID_KEY}"' in page
    assert f'data-action="/my/devices?client={OLA}"' in page
    assert '<button type="button" id="push-on" class="primary" hidden>' in page
    assert '<script src="/my/push.js" defer></script>' in page
    assert f'<span id="device-{DEVICE}">Web browser · added Dec 5, 2026</span>' in page
    assert f'action="/my/devices/{DEVICE}/remove?client={OLA}"' in page
    polish = client.get(f"/my/preferences?client={OLA}", headers={"accept-language": "pl"}).text
    assert "Włącz powiadomienia na tym urządzeniu" in polish
    assert "Przeglądarka · dodano 5 gru 2026" in polish


def test_without_a_vapid_key_the_page_says_so_and_has_no_button(
    client: TestClient,  # noqa: F811
) -> None:
    page = client.get(f"/my/preferences?client={JAN}").text
    assert "Notifications to devices are not set up on this school" in page
    assert 'id="push-on"' not in page
    assert "/my/push.js" not in page
    assert f'action="/my/devices/{DEVICE}/remove?client={JAN}"' in page  # still removable


def test_a_subscription_is_registered_for_the_chosen_client(
    client: TestClient,  # noqa: F811
    gateway: FakeGateway,  # noqa: F811
) -> None:
    csrf = _csrf(client.get(f"/my/preferences?client={OLA}").text)
    form = {"csrf_token": csrf, "subscription": json.dumps(SUBSCRIPTION)}
    sent = client.post(f"/my/devices?client={OLA}", data=form)
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/my/preferences?client={OLA}&push=on"
    posted = [(s[1], s[3]) for s in gateway.seen if s[0] == "POST"]
    subscription = {k: SUBSCRIPTION[k] for k in ("endpoint", "keys")}
    body = {"kind": "webpush", "client_id": OLA, "subscription": subscription}
    assert posted == [("/portal/v1/devices", body)]
    on = client.get(sent.headers["location"]).text
    assert "Notifications are on for this device." in on

    for broken in ("not json", "[]", json.dumps({"endpoint": "x", "keys": {"auth": 1}})):
        refused = client.post(f"/my/devices?client={OLA}", data=form | {"subscription": broken})
        assert refused.status_code == 400
        assert refused.json() == {"detail": "The browser gave no usable subscription."}
    assert client.post("/my/devices", data={"subscription": "{}"}).status_code == 403
    assert len([s for s in gateway.seen if s[0] == "POST"]) == 1


def test_a_device_is_removed_and_another_familys_is_not_found(
    client: TestClient,  # noqa: F811
    gateway: FakeGateway,  # noqa: F811
) -> None:
    csrf = {"csrf_token": _csrf(client.get(f"/my/preferences?client={OLA}").text)}
    removed = client.post(f"/my/devices/{DEVICE}/remove?client={OLA}", data=csrf)
    assert removed.status_code == 303
    assert removed.headers["location"] == f"/my/preferences?client={OLA}&push=removed"
    theirs = "30000000-0000-4000-8000-000000000009"
    refused = client.post(f"/my/devices/{theirs}/remove?client={OLA}", data=csrf)
    assert refused.status_code == 404
    assert client.post("/my/devices/not-an-id/remove", data=csrf).status_code == 404
    deleted = [s[1] for s in gateway.seen if s[0] == "DELETE"]
    assert deleted == [f"/portal/v1/devices/{DEVICE}", f"/portal/v1/devices/{theirs}"]
