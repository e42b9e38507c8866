"""Addresses staff hand out are absolute on the host the caller used, and the portal keeps
its organisation, so that an expired session finds its school's sign-in."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from starlette.requests import Request

from web_svc.addresses import personal_link, portal_sign_in, public_origin
from web_svc.main import create_app
from web_svc.sessions import ORG_COOKIE, SessionBox
from web_svc.settings import Settings

ORG = str(uuid.uuid4())


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = Settings(gateway_url="http://127.0.0.1:9", mark_untranslated=True)
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def request(headers: dict[str, str]) -> Request:
    raw = [(k.encode(), v.encode()) for k, v in headers.items()]
    scope = {"type": "http", "scheme": "http", "server": ("10.0.0.7", 8000), "path": "/"}
    return Request(scope | {"headers": [(b"host", b"10.0.0.7:8000"), *raw]})


def test_an_address_is_on_the_host_and_scheme_the_caller_used() -> None:
    public = request({"x-forwarded-host": "crm.school.example", "x-forwarded-proto": "https"})
    assert public_origin(public) == "https://crm.school.example"
    assert personal_link(public, "abc") == "https://crm.school.example/my/link/abc"
    assert portal_sign_in(public, ORG) == f"https://crm.school.example/my/signin?org={ORG}"
    assert public_origin(request({})) == "http://10.0.0.7:8000"  # straight to the web
    forged = request({"x-forwarded-host": "evil.example/x?", "x-forwarded-proto": "gopher"})
    assert public_origin(forged) == "http://10.0.0.7:8000"


def test_the_portal_remembers_its_organisation_for_the_next_sign_in(client: TestClient) -> None:
    lost = client.get("/my/signin?next=/my")
    assert "Open the sign-in link your school gave you." in lost.text
    assert ORG_COOKIE not in lost.headers.get("set-cookie", "")

    first = client.get(f"/my/signin?org={ORG}")
    (cookie,) = [c for c in first.headers.get_list("set-cookie") if c.startswith(ORG_COOKIE)]
    assert cookie.startswith(f"{ORG_COOKIE}={ORG};")
    assert "Path=/my" in cookie
    assert "Max-Age=31536000" in cookie

    # An expired session (or the installed app's start at /my) lands on the school's sign-in.
    start = client.get("/my")
    assert start.status_code == 303
    assert start.headers["location"] == "/my/signin?next=/my"
    again = client.get(start.headers["location"])
    assert f'name="org_id" value="{ORG}"' in again.text
    assert 'name="next" value="/my"' in again.text
    assert "Open the sign-in link" not in again.text
    assert f'name="org_id" value="{ORG}"' in client.get("/my/signup").text
    assert not [c for c in again.headers.get_list("set-cookie") if c.startswith(ORG_COOKIE)]

    other = str(uuid.uuid4())  # another school's address wins over the remembered one
    assert f'value="{other}"' in client.get(f"/my/signin?org={other}").text


def test_the_portal_sign_in_goes_only_to_the_portals_pages(client: TestClient) -> None:
    page = client.get(f"/my/signin?org={ORG}&next=//evil.example.com/my")
    assert 'name="next" value="/my"' in page.text
    inner = client.get(f"/my/signin?org={ORG}&next=/my/attendance%3Fclient%3D1")
    assert re.search(r'name="next" value="/my/attendance\?client=1"', inner.text)


def test_a_note_opens_only_with_its_key_and_within_its_time() -> None:
    box = SessionBox("one key")
    sealed = box.seal_note({"client_id": "c1", "token": "secret-token"})
    assert "secret-token" not in sealed
    assert box.open_note(sealed, 60) == {"client_id": "c1", "token": "secret-token"}
    assert SessionBox("another key").open_note(sealed, 60) is None
    assert box.open_note("forged", 60) is None
    assert box.open_note(None, 60) is None
