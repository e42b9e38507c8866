"""What every operation of an OpenAPI document says it may answer besides success: each
problem status that applies, as application/problem+json with the Problem schema.

Used once for each service's document (crm_platform.app) and once for the gateway's merged
document (the statuses the gateway itself answers), so no route documents them by hand.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from crm_platform.errors import PROBLEM_JSON

PROBLEM = "Problem"
PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `errors` names each bad field.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "in": {"type": "string"},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
DESCRIPTIONS = {
    400: "The request cannot be read (malformed JSON, a bad header or query string).",
    401: "No valid credentials.",
    403: "The caller may not do this.",
    404: "No such resource visible to the caller.",
    409: "Conflicts with the current state, or the Idempotency-Key was used for another request.",
    412: "The If-Match version is not the current one.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "A field is invalid; `errors` names each.",
    428: "A required precondition header (If-Match, Idempotency-Key) is missing.",
    429: "Too many requests; see Retry-After.",
    503: "A service behind the gateway is unavailable or not ready yet; see Retry-After.",
}
WRITES = frozenset({"post", "put", "patch", "delete"})
METHODS = WRITES | {"get", "head", "options"}


def _header_names(operation: dict[str, Any]) -> set[str]:
    return {
        str(p.get("name", "")).lower()
        for p in operation.get("parameters", [])
        if p.get("in") == "header"
    }


def statuses_of(path: str, method: str, operation: dict[str, Any]) -> set[int]:
    """The problem statuses a service's operation may answer, from its shape."""
    statuses = {400, 401, 403, 404, 422}
    if method in WRITES:
        statuses.add(409)
    if "requestBody" in operation:
        statuses |= {413, 415}
    headers = _header_names(operation)
    if "if-match" in headers:
        statuses |= {412, 428}
    if "idempotency-key" in headers:
        statuses |= {409, 428}
    return statuses


def document_problems(
    document: dict[str, Any],
    statuses: Iterable[int] | None = None,
    *,
    schema_ref: str | None = None,
) -> dict[str, Any]:
    """`document` with every operation answering its problem statuses (statuses_of, plus
    `statuses` for all) as problem+json. FastAPI's own 422 schema is replaced: our
    handlers answer validation errors as problems. Returns a new document."""
    doc = copy.deepcopy(document)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    ref = schema_ref or f"#/components/schemas/{PROBLEM}"
    if schema_ref is None:
        schemas[PROBLEM] = PROBLEM_SCHEMA
    extra = set(statuses or ())
    for path, operations in doc.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in METHODS or not isinstance(operation, dict):
                continue
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses_of(path, method, operation) | extra):
                documented = responses.get(str(status))
                if documented is None or _is_fastapi_validation(documented):
                    responses[str(status)] = {
                        "description": DESCRIPTIONS.get(status, "A problem."),
                        "content": {PROBLEM_JSON: {"schema": {"$ref": ref}}},
                    }
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return doc


def _is_fastapi_validation(response: dict[str, Any]) -> bool:
    content = response.get("content", {})
    schema = content.get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).endswith("/HTTPValidationError")
