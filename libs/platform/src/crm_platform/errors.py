"""RFC 9457 problem+json errors. Bad input is a 4xx naming every field; never a 500."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from crm_platform.logs import get_logger

PROBLEM_JSON = "application/problem+json"
log = get_logger(__name__)


class ProblemError(Exception):
    """Raise anywhere to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        type_: str = "about:blank",
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        keep_changes: bool = False,
    ) -> None:
        super().__init__(detail or title)
        # A refusal whose bookkeeping (a failed attempt counted, a token family revoked)
        # must still be committed by the request's unit of work.
        self.keep_changes = keep_changes
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.errors = errors
        self.headers = headers


class NotFoundError(ProblemError):
    def __init__(self, what: str = "resource") -> None:
        super().__init__(404, "Not Found", f"{what} not found")


class ConflictError(ProblemError):
    def __init__(self, detail: str) -> None:
        super().__init__(409, "Conflict", detail)


def field_error(field: str, message: str, where: str = "body") -> dict[str, Any]:
    """One bad field: where it is and why it was refused."""
    return {"field": field, "in": where, "message": message}


def invalid_fields(
    errors: Sequence[tuple[str, str]],
    where: str = "body",
    *,
    status: int = 422,
    detail: str | None = None,
) -> ProblemError:
    """Bad input that only the service can judge (an unknown tag, a date before another),
    every field named as a validation error names it: `raise invalid_fields([(f, why)])`.
    A refusal of the state rather than the input names its fields too (status=409)."""
    why = "; ".join(f"{field}: {message}" for field, message in errors)
    return ProblemError(
        status,
        "Unprocessable Content" if status == 422 else _title(status),
        detail or f"invalid {why}",
        errors=[field_error(field, message, where) for field, message in errors],
    )


def invalid(field: str, message: str, where: str = "body") -> ProblemError:
    """One bad field: `raise invalid("due_on", "before the sale")`."""
    return invalid_fields([(field, message)], where)


def http_problem(exc: StarletteHTTPException, path: str) -> Response:
    """An HTTPException (Starlette's or FastAPI's) as a problem document."""
    detail = exc.detail if isinstance(exc.detail, str) else None
    return problem_response(
        exc.status_code,
        _title(exc.status_code),
        detail,
        instance=path,
        headers=dict(exc.headers) if exc.headers else None,
    )


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    type_: str = "about:blank",
    instance: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    return Response(orjson.dumps(body), status, headers=headers, media_type=PROBLEM_JSON)


def field_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """One entry per bad field: its dotted location (without the 'body' prefix) and why."""
    out: list[dict[str, Any]] = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ())]
        where = loc[0] if loc else "body"
        path = loc[1:] if where in ("body", "query", "path", "header", "cookie") else loc
        out.append(
            {
                "field": ".".join(path) or where,
                "in": where,
                "message": err.get("msg", "invalid"),
                "type": err.get("type", "value_error"),
            }
        )
    return out


def validation_problem(errors: Sequence[Any], path: str) -> Response:
    """422 naming every bad field; `errors` as pydantic gives them, located ("body", ...)."""
    found = field_errors(errors)
    fields = ", ".join(sorted({e["field"] for e in found}))
    return problem_response(
        422, "Unprocessable Content", f"invalid fields: {fields}", instance=path, errors=found
    )


def install_problem_handlers(app: FastAPI) -> None:
    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = exc.errors()
        if _body_not_json(errors):
            return problem_response(
                415,
                "Unsupported Media Type",
                "send the body as application/json",
                instance=request.url.path,
            )
        return validation_problem(errors, request.url.path)

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem_response(
            exc.status,
            exc.title,
            exc.detail,
            type_=exc.type,
            instance=request.url.path,
            errors=exc.errors,
            headers=exc.headers,
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        return http_problem(exc, request.url.path)

    async def on_stale(request: Request, exc: Exception) -> Response:
        # Another writer changed the row since this one read it (crm_platform.db's
        # OptimisticVersions): the same answer as a stale If-Match.
        return problem_response(
            412,
            "Precondition Failed",
            "changed since you read it; reload and retry",
            instance=request.url.path,
        )

    async def on_unhandled(request: Request, exc: Exception) -> Response:
        log.exception("unhandled_error", path=request.url.path)
        return problem_response(500, "Internal Server Error", instance=request.url.path)

    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(StaleDataError, on_stale)
    app.add_exception_handler(Exception, on_unhandled)


def _body_not_json(errors: Sequence[Any]) -> bool:
    """FastAPI hands a JSON route the raw bytes of a body sent as anything but JSON
    (text/plain, XML, a form): that is the wrong media type, not a bad field."""
    return any(
        tuple(err.get("loc", ())) == ("body",) and isinstance(err.get("input"), bytes)
        for err in errors
    )


def _title(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
