"""The client card's "How to reach" over a stand-in for the gateway's API: notifications'
answer in the page's words (Telegram since a date, devices counted in the language's plural,
the route a message takes), and a card that still renders, with a notice, when
notifications does not answer or does not know the client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .stand_in import NOT_FOUND, Asked, StandInGateway, running, session_of, web_client

CLIENT = "00000000-0000-4000-8000-000000000001"
REACH = f"/api/v1/notifications/clients/{CLIENT}/reach"
CARD = {
    "id": CLIENT,
    "first_name": "Ida",
    "last_name": "Bond",
    "status": "active",
    "phone": "+48601000001",
    "email": "ida@example.com",
    "email_confirmed": True,
    "birthday": None,
    "branch_id": None,
    "tags": [],
    "note": None,
    "balance_minor": None,
}
BOUND = {
    "client_id": CLIENT,
    "channel_order": ["telegram", "push", "email", "sms"],
    "telegram": {
        "bound": True,
        "bound_since": "2026-11-02T09:30:00Z",
        "blocked": False,
        "opted_out": [],
    },
    "push": {
        "devices": 2,
        "by_kind": [
            {"kind": "fcm", "platform": "android", "count": 1},
            {"kind": "webpush", "platform": "web", "count": 1},
        ],
        "last_registered_at": "2026-11-03T10:00:00Z",
        "opted_out": [],
    },
    "email": {"present": True, "opted_out": ["reminders"]},
    "sms": {"present": True, "enabled": False, "opted_out": []},
    "routes": [
        {
            "category": "transactional",
            "channel": "telegram",
            "then": ["push", "email"],
            "reason": None,
        },
        {"category": "reminders", "channel": "telegram", "then": ["push"], "reason": None},
        {"category": "news", "channel": None, "then": [], "reason": "opted out"},
    ],
}


ISSUED = {"url": "https://t.me/school_bot?start=tok123", "expires_at": "2026-12-10T10:00:00Z"}
NOT_BOUND = BOUND | {
    "telegram": {"bound": False, "bound_since": None, "blocked": False, "opted_out": []}
}


class FakeGateway(StandInGateway):
    def __init__(self) -> None:
        super().__init__()
        self.reach: tuple[int, Any] = (200, BOUND)
        self.link: tuple[int, Any] = (201, ISSUED)

    def answer(self, asked: Asked) -> tuple[int, Any]:
        if asked.method == "POST":
            if asked.path == f"/api/v1/notifications/clients/{CLIENT}/telegram-link":
                return self.link
            return NOT_FOUND
        if asked.path == f"/api/v1/clients/clients/{CLIENT}":
            return 200, CARD
        if asked.path == REACH:
            return self.reach
        if asked.path.endswith(("/balance", "/link")):
            return NOT_FOUND
        return 200, {"items": [], "next_cursor": None, "members": []}


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with running(FakeGateway()) as server:
        yield server


@pytest.fixture
def client(gateway: FakeGateway) -> Iterator[TestClient]:
    person = {"id": "u1", "name": "Tea", "role": "teacher"}
    org = {"time_zone": "Europe/Warsaw", "currency": "PLN"}
    with web_client(gateway, session_of("staff", person, org)) as test_client:
        yield test_client


def reach_section(page: str) -> str:
    found = re.search(r'<section aria-labelledby="reach-h" id="reach">(.*?)</section>', page, re.S)
    assert found is not None
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", found.group(1))).strip()


@pytest.mark.parametrize("lang", ["en", "ru", "pl", "uk"])
def test_the_card_says_how_to_reach_the_client_in_its_language(
    client: TestClient, lang: str
) -> None:
    page = client.get(f"/app/clients/{CLIENT}", headers={"accept-language": lang})
    assert page.status_code == 200, page.text
    assert "\u27e6" not in page.text, re.findall("\u27e6[^\u27e7]*\u27e7", page.text)
    if lang == "en":
        text = reach_section(page.text)
        assert "Bound since Nov 2, 2026" in text
        assert "2 devices (Android: 1, browser: 1)" in text
        assert "A confirmed address (opted out of: reminders)" in text
        assert "Reminders: Telegram, then push" in text
        assert "News: nowhere (opted out of every channel)" in text
    if lang == "ru":
        assert "2 устройства" in reach_section(page.text)


def test_one_line_when_every_category_goes_the_same_way(
    client: TestClient, gateway: FakeGateway
) -> None:
    same = {"channel": "email", "then": ["sms"], "reason": None}
    routes = [same | {"category": c} for c in ("transactional", "reminders", "news")]
    gateway.reach = (200, BOUND | {"routes": routes})
    text = reach_section(client.get(f"/app/clients/{CLIENT}").text)
    assert "Every message: email, then SMS" in text
    assert "Reminders:" not in text


@pytest.mark.parametrize(
    ("status", "notice"),
    [
        (503, "The messages service is not answering"),
        (502, "The messages service is not answering"),
        (404, "does not know this client yet"),
    ],
)
def test_the_card_renders_when_notifications_does_not_answer(
    client: TestClient, gateway: FakeGateway, status: int, notice: str
) -> None:
    gateway.reach = (status, {"title": "Service Unavailable"})
    page = client.get(f"/app/clients/{CLIENT}")
    assert page.status_code == 200
    assert "Ida Bond" in page.text
    assert notice in reach_section(page.text)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_a_telegram_link_is_given_from_the_card_and_shown_once(
    client: TestClient, gateway: FakeGateway
) -> None:
    page = client.get(f"/app/clients/{CLIENT}").text
    assert "Give a Telegram link" not in page  # bound already
    gateway.reach = (200, NOT_BOUND)
    page = client.get(f"/app/clients/{CLIENT}").text
    assert "Give a Telegram link" in page
    given = client.post(f"/app/clients/{CLIENT}/telegram-link", data={"csrf_token": _csrf(page)})
    assert given.status_code == 303
    assert given.headers["location"] == f"/app/clients/{CLIENT}?done=telegram-link"
    assert "tok123" not in given.headers["location"]
    card = client.get(f"/app/clients/{CLIENT}?done=telegram-link")
    assert 'value="https://t.me/school_bot?start=tok123"' in card.text
    assert "It connects one chat, once, until" in card.text
    again = client.get(f"/app/clients/{CLIENT}")
    assert "tok123" not in again.text  # shown once

    gateway.link = (409, {"title": "Conflict", "detail": "Telegram is not configured"})
    refused = client.post(
        f"/app/clients/{CLIENT}/telegram-link", data={"csrf_token": _csrf(again.text)}
    )
    assert refused.headers["location"] == f"/app/clients/{CLIENT}?done=telegram-off"
    card = client.get(refused.headers["location"])
    assert "Telegram is not set up on this system." in reach_section(card.text)
