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


@pytest.mark.parametrize("service", SERVICES)
def test_every_list_answers_with_items_and_a_cursor(service: str, tmp_path: Any) -> None:
    """No bare array, and a list in `items` always comes with `next_cursor` (null when the
    answer holds the whole list), so one client-side reader serves every list."""
    doc = document(service, tmp_path)
    odd = []
    for path, operations in doc["paths"].items():
        get = operations.get("get")
        if get is None or path.startswith("/internal/"):
            continue
        schema = answer_schema(doc, get)
        if schema.get("type") == "array":
            odd.append(f"{path}: a bare array")
        fields = schema.get("properties", {})
        one = path.endswith("}")  # one resource (a bundle's `items` are its parts, not a list)
        listed = fields.get("items", {}).get("type") == "array"
        if listed and not one and "next_cursor" not in fields:
            odd.append(f"{path}: items without next_cursor")
    assert odd == []


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
