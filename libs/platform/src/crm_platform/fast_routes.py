"""Fast routes: a hot request answered as plain ASGI, ahead of FastAPI's routing and dependency
solving (about half a millisecond of CPU a request, more than a write or a cached read costs).

A fast route keeps what every route has: the request and correlation ids and the access
metrics (RequestContextMiddleware sits outside it), problem+json errors naming the field
(`crm_platform.errors`), and its FastAPI twin, which stays the documented route and answers
whatever the fast route declines: another method or path shape, a query it does not take, a
body that is not JSON (a GET reads no body, as its twin does not).
Both twins call the same code after reading the request, and tests hold them to the same
answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from crm_platform.body_limit import too_large
from crm_platform.errors import ProblemError, http_problem, problem_response, validation_problem
from crm_platform.fields import MAX_DATE, MIN_DATE
from crm_platform.http_protocol import MAX_BODY_BYTES
from crm_platform.logs import get_logger

log = get_logger(__name__)
UUID_PATTERN = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
UNREADABLE_BODY = "There was an error parsing the body"  # FastAPI's own words, for the twin
_UUID = re.compile(UUID_PATTERN)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class FastRequest:
    scope: Scope
    params: dict[str, str]  # the path's parameters and the query's, by name
    headers: dict[bytes, bytes]  # names in lower case, as ASGI gives them
    body: bytes

    @property
    def path(self) -> str:
        return str(self.scope["path"])

    @property
    def state(self) -> Any:
        """The app's state (the FastAPI app the fast route runs in front of)."""
        return self.scope["app"].state

    def parse(self, model: type[M]) -> M:
        """The JSON body as `model`, refused as FastAPI refuses a body (an empty one is
        missing, bad JSON is located at its position, the model's errors under "body")."""
        if not self.body:
            missing = {"type": "missing", "loc": ("body",), "msg": "Field required"}
            raise RequestValidationError([missing | {"input": None}])
        try:
            data = json.loads(self.body)
        except json.JSONDecodeError as exc:
            raise RequestValidationError(
                [
                    {
                        "type": "json_invalid",
                        "loc": ("body", exc.pos),
                        "msg": "JSON decode error",
                        "input": {},
                        "ctx": {"error": exc.msg},
                    }
                ]
            ) from exc
        except (ValueError, RecursionError) as exc:  # not UTF-8, too deep, too many digits
            raise ProblemError(400, "Bad Request", UNREADABLE_BODY) from exc
        try:
            return model.model_validate(data, from_attributes=True)
        except ValidationError as exc:
            located = [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
            raise RequestValidationError(located) from exc

    def header(self, name: str) -> str | None:
        value = self.headers.get(name.lower().encode("latin-1"))
        return value.decode("latin-1") if value is not None else None


Handler = Callable[[FastRequest], Awaitable[Response]]


class FastRoute:
    """`template` names path parameters as `{name}`; each matches a UUID in its canonical
    (lower-case, hyphenated) form, the only shape fast routes take. `query` names the query
    parameters the route takes, each at most once and a canonical UUID too, and `dates` those
    that take a business date (`YYYY-MM-DD` within crm_platform.fields' range); a request with
    any other query string goes to the twin."""

    def __init__(
        self,
        method: str,
        template: str,
        handler: Handler,
        *,
        query: Sequence[str] = (),
        dates: Sequence[str] = (),
    ) -> None:
        self.method = method
        self.handler = handler
        self.query = frozenset(query)
        self.dates = frozenset(dates)
        self.reads_body = method != "GET"
        parts = re.split(r"\{(\w+)\}", template)  # text, name, text, name, ..., text
        self.path = re.compile(
            "".join(
                re.escape(part) if n % 2 == 0 else f"(?P<{part}>{UUID_PATTERN})"
                for n, part in enumerate(parts)
            )
        )

    def match(self, scope: Scope) -> dict[str, str] | None:
        if scope["method"] != self.method:
            return None
        found = self.path.fullmatch(scope["path"])
        if found is None:
            return None
        params = found.groupdict()
        query: bytes = scope.get("query_string", b"")
        for pair in query.split(b"&") if query else ():
            name, _, value = pair.decode("latin-1").partition("=")
            if name in params:
                return None
            if (name in self.query and _UUID.fullmatch(value)) or (
                name in self.dates and _business_date(value)
            ):
                params[name] = value
            else:
                return None
        return params


def _business_date(value: str) -> bool:
    if not _DATE.fullmatch(value):
        return False
    try:
        return MIN_DATE <= date.fromisoformat(value) <= MAX_DATE
    except ValueError:
        return False


class FastRoutes:
    """The middleware: installed inside RequestContextMiddleware by create_service_app."""

    def __init__(self, app: ASGIApp, routes: Sequence[FastRoute]) -> None:
        self.app = app
        self.routes = tuple(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for route in self.routes:
                params = route.match(scope)
                if params is None:
                    continue
                headers = dict(scope["headers"])
                if not route.reads_body or _is_json(headers.get(b"content-type")):
                    response = await _answer(route, scope, params, headers, receive)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def _is_json(content_type: bytes | None) -> bool:
    return content_type is not None and content_type.split(b";")[0].strip().lower() in (
        b"application/json",
    )


async def _answer(
    route: FastRoute,
    scope: Scope,
    params: dict[str, str],
    headers: dict[bytes, bytes],
    receive: Receive,
) -> Response:
    path = scope["path"]
    try:
        body = await _read_body(receive) if route.reads_body else b""
        return await route.handler(FastRequest(scope, params, headers, body))
    except ProblemError as exc:
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            type_=exc.type,
            instance=path,
            errors=exc.errors,
            headers=exc.headers,
        )
    except RequestValidationError as exc:
        return validation_problem(exc.errors(), path)
    except HTTPException as exc:  # as the twin's handlers answer it, not a 500
        return http_problem(exc, path)
    except Exception:
        log.exception("unhandled_error", path=path)
        return problem_response(500, "Internal Server Error", instance=path)


async def _read_body(receive: Receive) -> bytes:
    parts: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ProblemError(400, "Bad Request", "the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large()
        parts.append(chunk)
        if not message.get("more_body", False):
            return b"".join(parts)
