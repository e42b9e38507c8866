"""The page behind a client's email-confirmation letter: opening it confirms nothing (mail
scanners open links), the button's POST asks the gateway, and the answer is shown."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .stand_in import Asked, StandInGateway, running, web_client


class FakeGateway(StandInGateway):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str, Any]] = []
        self.status = 204

    def answer(self, asked: Asked) -> tuple[int, Any]:
        self.seen.append((asked.method, asked.path, asked.json()))
        return self.status, None


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with running(FakeGateway()) as server:
        yield server


@pytest.fixture
def client(gateway: FakeGateway) -> Iterator[TestClient]:
    with web_client(gateway) as test_client:
        yield test_client


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("lang", ["en", "ru", "pl", "uk"])
def test_opening_the_link_confirms_nothing(
    client: TestClient, gateway: FakeGateway, lang: str
) -> None:
    page = client.get("/my/confirm-email?token=abc", headers={"accept-language": lang})
    assert page.status_code == 200
    assert f'<html lang="{lang}">' in page.text
    assert "\u27e6" not in page.text  # every text translated
    assert 'name="token" value="abc"' in page.text
    assert gateway.seen == []


def test_the_button_confirms_through_the_gateway(client: TestClient, gateway: FakeGateway) -> None:
    csrf = _csrf(client.get("/my/confirm-email?token=abc").text)
    done = client.post("/my/confirm-email", data={"token": "abc", "csrf_token": csrf})
    assert done.status_code == 200
    assert "your email is confirmed" in done.text
    assert gateway.seen == [("POST", "/api/v1/clients/email-confirmations", {"token": "abc"})]


def test_a_dead_link_says_so(client: TestClient, gateway: FakeGateway) -> None:
    gateway.status = 404
    csrf = _csrf(client.get("/my/confirm-email?token=old").text)
    failed = client.post("/my/confirm-email", data={"token": "old", "csrf_token": csrf})
    assert failed.status_code == 400
    assert "no longer valid" in failed.text
    assert client.post("/my/confirm-email", data={"token": "old"}).status_code == 403
