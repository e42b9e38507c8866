"""Where the footer's language switch comes back to: never an address that only takes a
form's POST (switching language on a refused form's page answered 405)."""

from __future__ import annotations

from starlette.requests import Request

from web_svc.render import back_to


def request(method: str, path: str, query: str = "", referer: str | None = None) -> Request:
    headers = [(b"host", b"school.example.com")]
    if referer is not None:
        headers.append((b"referer", referer.encode()))
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "headers": headers,
        "scheme": "https",
        "server": ("school.example.com", 443),
    }
    return Request(scope)


def test_a_page_comes_back_to_itself_with_its_query() -> None:
    assert back_to(request("GET", "/app/groups/g-1/journal", "month=2026-03")) == (
        "/app/groups/g-1/journal?month=2026-03"
    )
    assert back_to(request("GET", "/my/payments")) == "/my/payments"


def test_a_refused_forms_page_comes_back_to_the_page_the_form_was_on() -> None:
    posted = request(
        "POST",
        "/app/settings/journal",
        referer="https://school.example.com/app/settings?tab=rules",
    )
    assert back_to(posted) == "/app/settings?tab=rules"


def test_without_a_page_of_our_own_to_return_to_it_is_the_areas_home() -> None:
    assert back_to(request("POST", "/app/settings/journal")) == "/app"
    assert back_to(request("POST", "/my/profile", referer="https://elsewhere.example/my/x")) == (
        "/my"
    )
    assert back_to(request("POST", "/app/staff", referer="https://school.example.com/my/x")) == (
        "/app"
    )
