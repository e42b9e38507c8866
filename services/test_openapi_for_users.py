"""Each context's API document (merged at the gateway) speaks to API users: no source file
names or internal mechanisms in its descriptions; the import documents its column mapping
with an example; every list answers in one shape ({"items": [...], "next_cursor": ...})."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator
from typing import Any

import pytest

from gateway_app.openapi import MergedOpenApi
from gateway_app.policy import PolicyTable

# Words that belong to the code, not to the API: file names, packages, internal routes.
INTERNAL = re.compile(
    r"\.py\b|\btwin\b|crm_platform|crm_messaging|_svc\b|\blibs'|\bdomain/|GroupCommit", re.I
)
SERVICES = ("identity", "clients", "billing", "journal", "notifications", "portal")


def document(service: str, tmp_path: Any) -> dict[str, Any]:
    main = importlib.import_module(f"{service}_svc.main")
    settings = importlib.import_module(f"{service}_svc.settings").Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/{service}.sqlite3"
    )
    doc: dict[str, Any] = main.create_app(settings).openapi()
    return doc


def texts(node: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("description", "summary") and isinstance(value, str):
                yield f"{where}/{key}", value
            yield from texts(value, f"{where}/{key}")
    elif isinstance(node, list):
        for n, value in enumerate(node):
            yield from texts(value, f"{where}[{n}]")


@pytest.mark.parametrize("service", SERVICES)
def test_descriptions_speak_to_api_users(service: str, tmp_path: Any) -> None:
    leaks = [
        f"{where}: {text[:120]}"
        for where, text in texts(document(service, tmp_path))
        if INTERNAL.search(text)
    ]
    assert leaks == []


def test_the_imports_mapping_is_documented_with_an_example(tmp_path: Any) -> None:
    schemas = document("clients", tmp_path)["components"]["schemas"]
    mapping = schemas["ImportIn"]["properties"]["mapping"]
    assert "first row of the file" in mapping["description"]
    assert mapping["examples"][0]["first_name"] == "Imię"
    assert schemas["ImportIn"]["examples"][0]["mapping"] == mapping["examples"][0]


def answer_schema(doc: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of an operation's 200 answer, its $ref followed."""
    answer = operation["responses"].get("200", {}).get("content", {}).get("application/json", {})
    schema: dict[str, Any] = answer.get("schema", {})
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


# GET answers at a collection's address (not ending in "}") that hold arrays but are one
# thing, not a list: each is a record, a bundle of several parts or a report.
ONE_THING = {
    "/api/v1/identity/me": "the caller's own account (its grants are part of it)",
    "/api/v1/clients/clients/{client_id}/family": "one family with its members and payer",
    "/api/v1/billing/reports/monthly": "one month's report, several breakdowns",
    "/api/v1/journal/groups/{group_id}/journal": "one group's grid: lessons by rows",
    "/api/v1/journal/groups/{group_id}/figures": "one group's figures, month by month",
    "/api/v1/notifications/settings": "one organisation's settings",
    "/api/v1/notifications/clients/{client_id}/reach": "one client's channels and routes",
    "/portal/v1/overview": "a client's overview: packs, lessons, invoices, credits",
    "/portal/v1/me": "the signed-in account and the clients it may act for",
    "/portal/v1/attendance": "a client's marks and the comments outside them",
    "/portal/v1/makeups": "a client's make-up credits and their booking requests",
    "/portal/v1/profile": "a client's profile with its change requests",
}
# Lists not yet in the list shape (issue 18), named so that no other joins them; an entry
# goes when its answer is reshaped (the test fails while a reshaped one is still named).
# Empty since every list is in shape: a new list out of shape fails the test, not joins here.
NOT_YET_IN_SHAPE: set[str] = set()


def arrays(schema: dict[str, Any]) -> list[str]:
    """The answer's properties that hold an array (nullable ones included)."""
    return [
        name
        for name, field in schema.get("properties", {}).items()
        if field.get("type") == "array"
        or any(choice.get("type") == "array" for choice in field.get("anyOf", []))
    ]


def odd_lists(doc: dict[str, Any]) -> dict[str, str]:
    """Every GET answer that is a list but not `{"items": [...], "next_cursor": ...}`."""
    odd = {}
    for path, operations in doc["paths"].items():
        get = operations.get("get")
        if get is None or path.startswith("/internal/"):
            continue
        schema = answer_schema(doc, get)
        fields = schema.get("properties", {})
        listed = "items" in arrays(schema) and "next_cursor" in fields
        if schema.get("type") == "array":
            odd[path] = "a bare array"
        elif path.endswith("}") or listed or path in ONE_THING:
            continue  # one resource (a bundle's `items` are its parts, not a list)
        elif "items" in fields:
            odd[path] = "items without next_cursor"
        elif arrays(schema):
            odd[path] = f"a list in {', '.join(arrays(schema))}, not in items"
    return odd


@pytest.mark.parametrize("service", SERVICES)
def test_every_list_answers_with_items_and_a_cursor(service: str, tmp_path: Any) -> None:
    """No bare array, no list under its own name: a list is in `items` and always comes with
    `next_cursor` (null when the answer holds the whole list), so one client-side reader
    serves every list. Whatever holds an array at a collection's address is a list unless
    ONE_THING names it as a record or a bundle."""
    doc = document(service, tmp_path)
    odd = odd_lists(doc)
    known = {path for path in NOT_YET_IN_SHAPE if path in doc["paths"]}
    assert {path: why for path, why in odd.items() if path not in known} == {}
    assert set(odd) >= known, "reshaped: take it out of NOT_YET_IN_SHAPE"


def test_every_declared_exception_is_still_there(tmp_path: Any) -> None:
    """ONE_THING and NOT_YET_IN_SHAPE name routes that exist (none left behind by a rename)."""
    paths = {path for service in SERVICES for path in document(service, tmp_path)["paths"]}
    assert (set(ONE_THING) | NOT_YET_IN_SHAPE) - paths == set()


def test_the_list_rule_catches_a_list_under_its_own_name() -> None:
    """The rule itself: a list under another name, a bare array and `items` without a cursor
    are caught; a list in shape, one resource and a declared bundle are not."""

    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        content = {"application/json": {"schema": schema}}
        return {"get": {"responses": {"200": {"content": content}}}}

    array = {"type": "array", "items": {"type": "object"}}
    doc = {
        "paths": {
            "/p/knowledge": answer({"type": "object", "properties": {"materials": array}}),
            "/p/seats": answer({"properties": {"seats": {"anyOf": [array, {"type": "null"}]}}}),
            "/p/bare": answer(array),
            "/p/uncursored": answer({"properties": {"items": array}}),
            "/p/good": answer({"properties": {"items": array, "next_cursor": {}}}),
            "/p/things/{id}": answer({"properties": {"parts": array}}),
            "/portal/v1/makeups": answer({"properties": {"credits": array}}),
            "/internal/x": answer(array),
        }
    }
    assert odd_lists(doc) == {
        "/p/knowledge": "a list in materials, not in items",
        "/p/seats": "a list in seats, not in items",
        "/p/bare": "a bare array",
        "/p/uncursored": "items without next_cursor",
    }


async def test_the_merged_document_speaks_to_api_users(tmp_path: Any) -> None:
    """What the gateway publishes at /openapi.json: every context's public routes with what
    the gateway adds (its refusals), and still no word of the code."""
    docs = {service: document(service, tmp_path) for service in SERVICES}

    async def fetch(service: str) -> dict[str, Any] | None:
        return docs.get(service)

    merged = await MergedOpenApi(PolicyTable(), list(SERVICES), fetch, "1").document()
    assert "/api/v1/clients/tags" in merged["paths"]
    assert "/operator/v1/organisations/{organisation_id}/plan" in merged["paths"]
    leaks = [f"{where}: {text[:120]}" for where, text in texts(merged) if INTERNAL.search(text)]
    assert leaks == []
