"""The web app on its own (no gateway needed for these): sign-in pages in every language,
cookies' attributes, CSRF on every form, sign-in required for the staff pages, static files."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from web_svc.main import create_app
from web_svc.sessions import CSRF_COOKIE
from web_svc.settings import Settings

PAGES = ["/app/signin", "/app/signup", "/app/password-reset", "/app/invite?token=x"]


@pytest.fixture
def client() -> Iterator[TestClient]:
    settings = Settings(gateway_url="http://127.0.0.1:9", mark_untranslated=True)
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(
    ("accept", "lang", "word"),
    [
        ("en", "en", "Language"),
        ("ru-RU,ru", "ru", "Язык"),
        ("pl", "pl", "Język"),
        ("uk", "uk", "Мова"),
    ],
)
def test_public_pages_answer_in_the_browsers_language(
    client: TestClient, page: str, accept: str, lang: str, word: str
) -> None:
    response = client.get(page, headers={"accept-language": accept})
    assert response.status_code == 200
    assert f'<html lang="{lang}">' in response.text
    assert word in response.text
    assert "\u27e6" not in response.text  # no text without a translation


def test_the_chosen_language_outranks_the_browsers(client: TestClient) -> None:
    page = client.get("/app/signin", headers={"accept-language": "en"})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    chosen = client.post("/app/language", data={"lang": "uk", "csrf_token": token.group(1)})
    assert chosen.status_code == 303
    again = client.get("/app/signin", headers={"accept-language": "en"})
    assert '<html lang="uk">' in again.text


def test_a_language_change_comes_back_to_the_page_with_its_query(client: TestClient) -> None:
    page = client.get("/app/signin?next=/app/clients", headers={"accept-language": "en"})
    assert 'name="back" value="/app/signin?next=/app/clients"' in page.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    body = {"lang": "pl", "csrf_token": token.group(1), "back": "/app/signin?next=/app/clients"}
    chosen = client.post("/app/language", data=body, follow_redirects=False)
    assert chosen.headers["location"] == "/app/signin?next=/app/clients"
    elsewhere = client.post(
        "/app/language", data=body | {"back": "//evil.example.com/app"}, follow_redirects=False
    )
    assert elsewhere.headers["location"] == "/app"


def test_cookies_are_http_only_and_same_site_and_secure_over_https(client: TestClient) -> None:
    plain = client.get("/app/signin")
    cookie = plain.headers["set-cookie"]
    assert cookie.startswith(f"{CSRF_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie
    client.cookies.clear()
    secure = client.get("/app/signin", headers={"x-forwarded-proto": "https"})
    assert "Secure" in secure.headers["set-cookie"]


@pytest.mark.parametrize("realm", ["/app", "/my"])
@pytest.mark.parametrize(("proto", "secure"), [("https", True), ("http", False)])
def test_the_language_cookie_is_secure_over_https_as_the_sessions_are(
    client: TestClient, realm: str, proto: str, secure: bool
) -> None:
    client.base_url = client.base_url.copy_with(scheme="https")  # a Secure cookie comes back
    page = client.get(f"{realm}/signin", headers={"x-forwarded-proto": proto})
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    chosen = client.post(
        f"{realm}/language",
        data={"lang": "pl", "csrf_token": token.group(1)},
        headers={"x-forwarded-proto": proto},
    )
    assert chosen.status_code == 303
    (cookie,) = [c for c in chosen.headers.get_list("set-cookie") if c.startswith("crm_lang=")]
    assert cookie.startswith("crm_lang=pl;")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert ("Secure" in cookie) is secure


def test_a_form_without_our_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/app/signin")
    body = {"email": "a@b.example.com", "password": "x" * 12}
    refused = client.post("/app/signin", data=body)
    assert refused.status_code == 403
    forged = client.post("/app/signin", data=body | {"csrf_token": "forged.0000"})
    assert forged.status_code == 403


@pytest.mark.parametrize(
    "page",
    [
        "/app",
        "/app/groups",
        "/app/clients",
        "/app/catalogue",
        "/app/figures",
        "/app/packs",
        "/app/invoices",
        "/app/clients/import",
        "/app/clients/export",
    ],
)
def test_staff_pages_need_a_signed_in_person(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 303
    assert response.headers["location"] == f"/app/signin?next={page}"
    htmx = client.get(page, headers={"hx-request": "true"})
    assert htmx.headers["hx-redirect"].startswith("/app/signin")


def test_a_forged_session_cookie_is_no_session(client: TestClient) -> None:
    client.cookies.set("crm_staff", "gAAAAABforged", path="/app")
    assert client.get("/app/groups").status_code == 303


def test_sign_in_goes_only_to_our_own_pages(client: TestClient) -> None:
    page = client.get("/app/signin?next=https://evil.example.com/")
    assert 'name="next" value="/app"' in page.text


def test_vendored_scripts_and_styles_are_served_and_small(client: TestClient) -> None:
    sizes = 0
    for asset in ["/static/vendor/htmx-2.0.11.min.js", "/static/app.css", "/static/grid.js"]:
        response = client.get(asset)
        assert response.status_code == 200, asset
        sizes += len(response.content)
    assert sizes < 150 * 1024  # the journal page's JavaScript and CSS together


def test_pages_and_assets_travel_compressed_to_browsers_that_take_it(
    client: TestClient,
) -> None:
    for path in ["/app/signin", "/static/vendor/htmx-2.0.11.min.js"]:
        plain = client.get(path, headers={"accept-encoding": "identity"})
        packed = client.get(path, headers={"accept-encoding": "gzip"})
        assert "content-encoding" not in plain.headers, path
        assert packed.headers["content-encoding"] == "gzip", path
        assert int(packed.headers["content-length"]) < len(plain.content) / 2, path
        assert packed.headers["vary"] == "Accept-Encoding", path
        if path.startswith("/static"):
            assert packed.content == plain.content  # decompressed by the client
    small = client.get("/favicon.ico", headers={"accept-encoding": "gzip"})
    assert "content-encoding" not in small.headers
