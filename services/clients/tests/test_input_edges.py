"""Dates outside the supported range (1900-01-01 to 2200-12-31) and numbers written as dates
are a 422 naming the field, never a 500 and never a guess."""

from __future__ import annotations

from typing import Any

from .conftest import Api

CLIENTS = "/api/v1/clients/clients"


def refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [e["field"] for e in response.json()["errors"]], response.text


def test_far_and_numeric_dates_are_refused(api: Api) -> None:
    org = api.organisation()
    client = api.client_of(org, first_name="Olga")
    freeze = f"{CLIENTS}/{client['id']}/freeze"
    refused(api.call("POST", freeze, org.owner, json={"until_date": "9999-12-31"}), "until_date")
    refused(api.call("POST", freeze, org.owner, json={"until_date": 20990101}), "until_date")
    refused(
        api.call("PATCH", f"{CLIENTS}/{client['id']}", org.owner, json={"birthday": "1899-12-31"}),
        "birthday",
    )
    refused(api.call("GET", "/api/v1/clients/tasks?due_until=0", org.owner), "due_until")
    card = api.ok("GET", f"{CLIENTS}/{client['id']}", org.owner)
    assert card["status"] == "active"
    assert card["birthday"] is None


def test_control_characters_in_names_and_notes_are_refused(api: Api) -> None:
    org = api.organisation()
    for field, value in [("first_name", "Ol\u0000ga"), ("last_name", "No\u001bwak")]:
        body = {"first_name": "Olga", "last_name": "Nowak"} | {field: value}
        refused(api.call("POST", CLIENTS, org.owner, json=body), field)
    note = {"first_name": "Olga", "last_name": "Nowak", "note": "bad\u0000note"}
    refused(api.call("POST", CLIENTS, org.owner, json=note), "note")
    lines = {"first_name": "Olga", "last_name": "Nowak", "note": "line one\nline\ttwo"}
    assert api.call("POST", CLIENTS, org.owner, json=lines).status_code == 201
