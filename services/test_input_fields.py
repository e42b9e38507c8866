"""Every value a service's routes take is read by crm_platform.fields' one rule for its kind,
so bad input is the same 422 naming the field everywhere: a date or a time only as one within
the supported range (BusinessDate, BusinessTime, never a number or year 9999), money and
counts only as JSON integers (WholeNumber, never "100" or true)."""

from __future__ import annotations

import importlib
import typing
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, Strict
from starlette.routing import BaseRoute

from crm_platform.fields import in_supported_range, time_in_supported_range

SERVICES = ["billing", "clients", "identity", "journal", "notifications", "portal"]


def routes(found: list[BaseRoute]) -> Iterator[APIRoute]:
    for route in found:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):  # an included router
            yield from routes(route.original_router.routes)
        elif hasattr(route, "routes"):
            yield from routes(route.routes)


def _ranged(metadata: list[Any]) -> bool:
    return any(
        getattr(m, "func", None) in (in_supported_range, time_in_supported_range) for m in metadata
    )


def _strict(metadata: list[Any]) -> bool:
    return any(getattr(m, "strict", None) is True for m in metadata)


def loose(annotation: Any, metadata: list[Any], where: str, in_body: bool) -> Iterator[str]:
    """The places under `where` where a date, time or (in a JSON body) integer is taken
    without its field type's rule (a model all strict counts as each integer's)."""
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *more = typing.get_args(annotation)
        yield from loose(inner, [*metadata, *more], where, in_body)
    elif annotation in (date, datetime):
        if not _ranged(metadata):
            yield f"{where}: {annotation.__name__}"
    elif annotation is int and in_body and not _strict(metadata):
        yield f"{where}: int"
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        strict = annotation.model_config.get("strict") is True
        for name, field in annotation.model_fields.items():
            rules = [*field.metadata, *([Strict()] if strict else [])]
            yield from loose(field.annotation, rules, f"{where}.{name}", in_body)
    else:
        for argument in typing.get_args(annotation):
            yield from loose(argument, metadata, where, in_body)


def taken(service: str) -> tuple[int, list[str]]:
    main = importlib.import_module(f"{service}_svc.main")
    settings = importlib.import_module(f"{service}_svc.settings")
    app = main.create_app(
        settings.Settings(database_url="postgresql+asyncpg://127.0.0.1/unused", amqp_url="")
    )
    count, found = 0, []
    for route in routes(app.routes):
        where = f"{'/'.join(sorted(route.methods))} {route.path}"
        dependants = [route.dependant]
        while dependants:
            dependant = dependants.pop()
            dependants.extend(dependant.dependencies)
            for param in dependant.query_params + dependant.header_params:
                count += 1
                info = param.field_info
                found += loose(info.annotation, list(info.metadata), f"{where} {param.name}", False)
            for param in dependant.body_params:
                count += 1
                info = param.field_info
                found += loose(info.annotation, list(info.metadata), f"{where} {param.name}", True)
    return count, found


@pytest.mark.parametrize("service", SERVICES)
def test_dates_times_money_and_counts_are_read_by_the_shared_field_types(service: str) -> None:
    count, found = taken(service)
    assert count > 0
    assert found == []
