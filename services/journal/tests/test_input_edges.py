"""Dates outside the supported range (1900-01-01 to 2200-12-31) and numbers written as dates
are a 422 naming the field, never a 500 and never a guess."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Api, J, Org


def refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.text


def test_lessons_are_not_generated_past_the_range(api: Api, org: Org) -> None:
    group = api.group(org)
    path = f"{J}/groups/{group['id']}/lessons/generate"
    far = {"from_date": "9999-12-01", "until_date": "9999-12-31"}
    refused(api.call("POST", path, org.owner, json=far), "until_date")
    refused(
        api.call("POST", path, org.owner, json={"from_date": 0, "until_date": "2026-03-31"}),
        "from_date",
    )
    assert api.sql("SELECT 1 FROM lessons WHERE group_id = $1", group["id"]) == []


@pytest.mark.parametrize("month", ["0001-01", "9999-12", "2026-13", "0"])
def test_figures_refuse_months_outside_the_range(api: Api, org: Org, month: str) -> None:
    refused(api.call("GET", f"{J}/figures/groups?month={month}", org.owner), "month")
    group = api.group(org)
    refused(
        api.call("GET", f"{J}/groups/{group['id']}/figures?from_month={month}", org.owner),
        "from_month",
    )


@pytest.mark.parametrize("day", ["0", "0001-01-01", "9999-12-31"])
def test_the_journal_grid_refuses_far_dates(api: Api, org: Org, day: str) -> None:
    group = api.group(org)
    grid = f"{J}/groups/{group['id']}/journal?from_date={day}"
    refused(api.call("GET", grid, org.owner), "from_date")


def test_counts_are_json_integers_and_names_hold_no_control_characters(api: Api, org: Org) -> None:
    body = {"name": "Sing\u0000ing", "branch_id": str(org.branch), "starts_on": "2026-01-01"}
    refused(api.call("POST", f"{J}/groups", org.owner, json=body), "name")
    capacity = body | {"name": "Singing", "capacity": True}
    refused(api.call("POST", f"{J}/groups", org.owner, json=capacity), "capacity")
    group = api.group(org)
    lesson = {"lesson_date": "2026-03-02", "starts_at": "10:00", "duration_minutes": "60"}
    path = f"{J}/groups/{group['id']}/lessons"
    refused(api.call("POST", path, org.owner, json=lesson), "duration_minutes")
