"""Web Push from the client portal in Debian's Chromium, end to end through the gateway: a
parent turns notifications on from her preferences page (the real service worker, the real
permission prompt granted, the page's real subscribe call), the device is listed; a message
the school sends her goes out from the notifications service to a fake push service here,
which checks the VAPID signature and decrypts the aes128gcm body with the browser's keys;
that payload, delivered to the service worker through the DevTools protocol, becomes the
notification the worker shows. Another family's device cannot be removed through her page;
hers is removed with the list's button. The page in English and Polish passes axe-core.

Chromium headless reaches no real push service, so PushManager.prototype.subscribe alone is
replaced (an init script): it answers a subscription to the fake service with keys this test
made, after recording the applicationServerKey the page asked with."""

from __future__ import annotations

import base64
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import http_ece
import httpx
import pytest
import uvicorn
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from playwright.async_api import Browser, Page, expect
from py_vapid import Vapid02
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from crm_devrun.ports import free_port
from crm_devrun.processes import poll_until
from crm_devrun.system import System

from .browser import (
    WITHIN,
    Api,
    accessibility_problems,
    browser,  # noqa: F401 - the fixture
    new_page,
    school,
    screenshot,
)
from .conftest import VAPID_PRIVATE_KEY
from .test_clients import CLIENTS
from .test_portal import CodeInbox, code_inbox  # noqa: F401 - the fixture

P = "/portal/v1"
NO = "/api/v1/notifications"
PASSWORD = "a parent's long password"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


VAPID_PUBLIC_KEY = b64url(
    Vapid02.from_string(VAPID_PRIVATE_KEY).public_key.public_bytes(
        Encoding.X962, PublicFormat.UncompressedPoint
    )
)


@dataclass
class Subscriber:
    """A browser's side of a subscription: the keys it made, the endpoint it was given."""

    endpoint: str
    key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: os.urandom(16))

    def subscription(self) -> dict[str, Any]:
        public = self.key.public_key().public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
        keys = {"p256dh": b64url(public), "auth": b64url(self.auth)}
        return {"endpoint": self.endpoint, "expirationTime": None, "keys": keys}


class FakePushService:
    """A push service on 127.0.0.1: refuses a request without a valid VAPID signature for
    its own origin, and keeps each payload decrypted with the subscriber's keys."""

    def __init__(self) -> None:
        self.port = free_port()
        self.subscribers: dict[str, Subscriber] = {}
        self.pushed: dict[str, list[dict[str, Any]]] = {}
        self.refusals: list[str] = []
        self.signers: set[str] = set()
        self._lock = threading.Lock()
        app = Starlette(routes=[Route("/push/{name}", self._push, methods=["POST"])])
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def subscriber(self, name: str) -> Subscriber:
        self.subscribers[name] = Subscriber(f"{self.url}/push/{name}")
        self.pushed[name] = []
        return self.subscribers[name]

    def pushed_to(self, name: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.pushed[name])

    def _refuse(self, why: str, status: int) -> Response:
        with self._lock:
            self.refusals.append(why)
        return JSONResponse({"error": why}, status_code=status)

    async def _push(self, request: Request) -> Response:
        name = request.path_params["name"]
        auth = request.headers.get("authorization", "")
        scheme, _, params = auth.partition(" ")
        parts = dict(p.strip().split("=", 1) for p in params.split(",")) if params else {}
        if scheme != "vapid" or not Vapid02.verify(auth):
            return self._refuse("vapid signature", 401)
        claims = json.loads(b64url_decode(parts["t"].split(".")[1]))
        if claims["aud"] != self.url or claims["exp"] < time.time() or "sub" not in claims:
            return self._refuse("vapid claims", 403)
        if request.headers.get("content-encoding") != "aes128gcm" or name not in self.pushed:
            return self._refuse("encoding or subscription", 400)
        subscriber = self.subscribers[name]
        plain = http_ece.decrypt(
            await request.body(),
            private_key=subscriber.key,
            auth_secret=subscriber.auth,
            version="aes128gcm",
        )
        with self._lock:
            self.signers.add(parts["k"])
            self.pushed[name].append(json.loads(plain))
        return Response(status_code=201, headers={"Location": f"{self.url}/m/{name}"})

    def start(self) -> None:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the fake push service did not start"
            time.sleep(0.02)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


@pytest.fixture
def push_service() -> Iterator[FakePushService]:
    service = FakePushService()
    service.start()
    try:
        yield service
    finally:
        service.stop()


# The one part of the browser replaced: subscribe answers the fake service's subscription.
FAKE_SUBSCRIBE = """
(subscription) => {
  PushManager.prototype.subscribe = async function (options) {
    const key = new Uint8Array(options.applicationServerKey);
    const text = btoa(String.fromCharCode(...key));
    sessionStorage.setItem("subscribedWith", text.replace(/\\+/g, "-").replace(/\\//g, "_")
      .replace(/=+$/, ""));
    sessionStorage.setItem("userVisibleOnly", String(options.userVisibleOnly));
    return { ...subscription, toJSON: () => subscription };
  };
}
"""


async def portal_account(
    gateway: httpx.AsyncClient,
    inbox: CodeInbox,
    org: str,
    api: Api,
    first_name: str,
) -> tuple[dict[str, Any], str, dict[str, str]]:
    """A client with a phone, her portal account (signed up with a code) once linked, and
    once the notifications service knows her: the client, the phone, her bearer header."""
    phone = f"+48609{uuid.uuid4().int % 10**6:06d}"
    client = await api.post(
        CLIENTS, {"first_name": first_name, "last_name": "Nowak", "phone": phone}
    )
    codes = {"organisation_id": org, "login": phone, "purpose": "signup"}
    assert (await gateway.post("/auth/portal/codes", json=codes)).status_code == 202
    signup = {
        "organisation_id": org,
        "login": phone,
        "code": await inbox.code_for(phone),
        "first_name": first_name,
        "last_name": "Nowak",
        "password": PASSWORD,
    }
    assert (await gateway.post("/auth/portal/signup", json=signup)).status_code == 202

    async def linked() -> dict[str, str] | None:
        login = {"organisation_id": org, "login": phone, "password": PASSWORD}
        answer = await gateway.post("/auth/portal/token", json=login)
        if answer.status_code != 200:
            return None
        me = {"Authorization": f"Bearer {answer.json()['access_token']}"}
        known = await gateway.get(f"{P}/devices", headers=me)
        return me if known.status_code == 200 else None

    me = await poll_until(linked, within=WITHIN, what=f"{first_name}'s account, linked and known")
    return client, phone, me


async def devices(gateway: httpx.AsyncClient, me: dict[str, str]) -> list[dict[str, Any]]:
    listed = await gateway.get(f"{P}/devices", headers=me)
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def shown_notifications(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = await page.evaluate(
        """navigator.serviceWorker.ready.then((r) => r.getNotifications()).then((all) =>
             all.map((n) => ({title: n.title, body: n.body, url: n.data && n.data.url})))"""
    )
    return found


async def test_a_parent_turns_push_on_and_the_schools_message_reaches_the_service_worker(
    system: System,
    gateway: httpx.AsyncClient,
    browser: Browser,  # noqa: F811
    code_inbox: CodeInbox,  # noqa: F811
    push_service: FakePushService,
) -> None:
    api, signed_up, _ = await school(gateway, "Push school")
    org = signed_up["organisation"]["id"]
    anna, phone, anna_api = await portal_account(gateway, code_inbox, org, api, "Anna")
    _, _, bob_api = await portal_account(gateway, code_inbox, org, api, "Bob")
    bobs = push_service.subscriber("bob").subscription()
    added = await gateway.post(
        f"{P}/devices", headers=bob_api, json={"kind": "webpush", "subscription": bobs}
    )
    assert added.status_code == 201, added.text
    bobs_device = added.json()["id"]

    async def preferences(script: str) -> Page:
        page = await new_page(browser, system.gateway_url)
        await page.add_init_script(script)
        await page.goto(f"/my/signin?org={org}&next=/my/preferences")
        await page.get_by_label("Phone or email").fill(phone)
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_role("button", name="Sign in").click()
        await expect(
            page.get_by_role("heading", name="Notifications on this device")
        ).to_be_visible()
        await expect(page.get_by_text("Turning them on needs JavaScript")).to_be_hidden()
        return page

    # No push in the browser; then the permission refused: each said in the live region.
    without = await preferences("delete window.PushManager")
    result = without.locator("#push-result[aria-live=polite]")
    await expect(result).to_have_text("This browser cannot receive notifications from a website.")
    await expect(without.get_by_role("button", name="Turn on notifications")).to_be_hidden()
    refused = await preferences("")  # headless Chromium refuses a permission not granted
    await refused.get_by_role("button", name="Turn on notifications on this device").click()
    await expect(refused.locator("#push-result")).to_have_text(
        re.compile("^Notifications are blocked")
    )
    assert await devices(gateway, anna_api) == []

    annas = push_service.subscriber("anna").subscription()
    page = await preferences(f"({FAKE_SUBSCRIBE})({json.dumps(annas)})")
    origin = system.gateway_url.rstrip("/")
    await page.context.grant_permissions(["notifications"], origin=origin)
    await expect(page.get_by_text("No device gets notifications yet.")).to_be_visible()
    await page.get_by_role("button", name="Turn on notifications on this device").click()
    section = page.get_by_role("region", name="Notifications on this device")
    await expect(section.get_by_text("Notifications are on for this device.")).to_be_visible()
    await expect(section.get_by_role("listitem")).to_have_count(1)
    await expect(section.get_by_role("listitem")).to_contain_text("Web browser · added")
    asked = await page.evaluate("[sessionStorage.subscribedWith, sessionStorage.userVisibleOnly]")
    assert asked == [VAPID_PUBLIC_KEY, "true"]
    (device,) = await devices(gateway, anna_api)
    assert (device["kind"], device["platform"], device["client_id"]) == (
        "webpush",
        "web",
        anna["id"],
    )
    assert await accessibility_problems(page) == []
    await screenshot(page, "portal-push-en")

    cdp = await page.context.new_cdp_session(page)
    registrations: list[dict[str, Any]] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    await cdp.send("ServiceWorker.enable")

    async def registered() -> str | None:
        ours = [r for r in registrations if r["scopeURL"] == f"{origin}/my" and not r["isDeleted"]]
        return str(ours[-1]["registrationId"]) if ours else None

    registration = await poll_until(registered, within=WITHIN, what="the service worker")

    message = {
        "audience": {"kind": "client", "id": anna["id"]},
        "subject": "Concert on Friday",
        "body": "The pupils play on Friday at 18:00. Parents are welcome.",
    }
    sent = await gateway.post(f"{NO}/broadcasts", headers=api.headers, json=message)
    assert sent.status_code == 201, sent.text

    async def pushed() -> dict[str, Any] | None:
        found = push_service.pushed_to("anna")
        return found[0] if found else None

    payload = await poll_until(pushed, within=WITHIN, what="the push to reach the push service")
    assert payload["title"] == "Concert on Friday"
    assert payload["body"] == message["body"]
    assert payload["client_id"] == anna["id"]
    assert push_service.signers == {VAPID_PUBLIC_KEY}
    assert push_service.refusals == []
    assert push_service.pushed_to("bob") == []

    await cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": origin, "registrationId": registration, "data": json.dumps(payload)},
    )

    async def notified() -> list[dict[str, Any]] | None:
        return await shown_notifications(page) or None

    (shown,) = await poll_until(notified, within=WITHIN, what="the worker's notification")
    assert shown == {
        "title": "Concert on Friday",
        "body": message["body"],
        "url": f"/my/messages?client={anna['id']}#m-{payload['message_id']}",
    }

    # Bob's device through Anna's page: the API's 404, and Bob's device stays.
    refused = await page.evaluate(
        """async (id) => {
             const form = new FormData();
             form.append("csrf_token", document.querySelector("input[name=csrf_token]").value);
             const answer = await fetch(`/my/devices/${id}/remove`, {method: "POST", body: form});
             return answer.status;
           }""",
        bobs_device,
    )
    assert refused == 404
    assert [d["id"] for d in await devices(gateway, bob_api)] == [bobs_device]

    await page.get_by_role("contentinfo").get_by_role("button", name="Polski").click()
    await expect(
        page.get_by_role("heading", name="Powiadomienia na tym urządzeniu")
    ).to_be_visible()
    assert "\u27e6" not in await page.content()
    assert await accessibility_problems(page) == []
    await screenshot(page, "portal-push-pl")
    await page.get_by_role("contentinfo").get_by_role("button", name="English").click()

    await section.get_by_role("button", name="Remove").click()
    await expect(section.get_by_text("Removed: that device gets no more")).to_be_visible()
    await expect(section.get_by_text("No device gets notifications yet.")).to_be_visible()
    assert await devices(gateway, anna_api) == []
    assert page.errors == []  # type: ignore[attr-defined]
