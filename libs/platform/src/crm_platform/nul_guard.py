"""No request puts a NUL character into a service's database: PostgreSQL refuses one in text
(a 500 wherever it reached a query: a login, a search, a title) and SQLite stores it.

`refuse_nul` runs before every route of a service that owns a database (create_service_app
installs it) and answers 422 naming each path, query or JSON-body field that holds one.
The JSON body is walked only when its bytes hold the escape, so other requests pay one
substring search of a body FastAPI reads anyway. Other control characters are the fields'
own rule (crm_platform.fields: names refuse them all, text keeps tabs and line breaks).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import orjson
from fastapi import Request

from crm_platform.errors import ProblemError, field_error

NUL = "\x00"
MESSAGE = "text may not hold a NUL character"


def _json_paths(value: Any, path: str) -> Iterator[str]:
    if isinstance(value, str):
        if NUL in value:
            yield path or "body"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _json_paths(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _json_paths(item, f"{path}.{n}" if path else str(n))


def _is_json(request: Request) -> bool:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


async def refuse_nul(request: Request) -> None:
    found = [(name, "path") for name, value in request.path_params.items() if NUL in str(value)]
    found += [(name, "query") for name, value in request.query_params.multi_items() if NUL in value]
    if _is_json(request):
        body = await request.body()  # kept by the request: the route reads it again for free
        if b"\\u0000" in body:
            with contextlib.suppress(orjson.JSONDecodeError):  # the route answers that
                found += [(path, "body") for path in _json_paths(orjson.loads(body), "")]
    if found:
        names = ", ".join(name for name, _ in found)
        raise ProblemError(
            422,
            "Unprocessable Content",
            f"invalid {names}: {MESSAGE}",
            errors=[field_error(name, MESSAGE, where) for name, where in found],
        )
