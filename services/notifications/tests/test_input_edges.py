"""Bad input at the edges is a 422 naming the field, never a 500 and never a guess."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, N


@pytest.mark.parametrize(
    "value",
    ["0", "1700000000", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"],
    ids=["zero", "epoch-seconds", "before-year-1-in-utc", "past-9999-in-utc"],
)
@pytest.mark.parametrize("field", ["since", "until"])
def test_the_delivery_log_refuses_numbers_and_far_times(api: Api, field: str, value: str) -> None:
    org = api.organisation()
    response: Any = api.call("GET", f"{N}/deliveries", org.owner, params={field: value})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.text


def test_the_delivery_log_takes_times_with_and_without_an_offset(api: Api) -> None:
    org = api.organisation()
    for value in ("2026-01-01T00:00:00+01:00", "2026-01-01T00:00:00", "2026-01-01"):
        answer = api.ok("GET", f"{N}/deliveries", org.owner, params={"since": value})
        assert answer == {"items": [], "next_cursor": None}


@pytest.mark.parametrize("value", ['"10"', "true", "10.0"], ids=["text", "true", "float"])
@pytest.mark.parametrize("field", ["sms_monthly_cap", "daily_news_cap"])
def test_caps_are_json_integers(api: Api, field: str, value: str) -> None:
    org = api.organisation()
    response: Any = api.call(
        "PATCH",
        f"{N}/settings",
        org.owner,
        content=f'{{"{field}": {value}}}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422, response.text
    assert field in [e["field"] for e in response.json()["errors"]], response.text
    assert api.ok("GET", f"{N}/settings", org.owner)[field] != 10
