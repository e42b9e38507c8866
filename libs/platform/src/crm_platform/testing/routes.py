"""What a FastAPI route reads: the twin of a fast route (crm_platform.fast_routes) is held to
the dependencies and parameters its fast route reads by hand."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_dependant
from fastapi.routing import APIRoute


def route_reads(outer: APIRouter, route: APIRoute) -> set[str]:
    """Every dependency `route` solves (those of `outer`, the router that mounts it, first),
    with the path, query, header and cookie parameters and the bodies they read."""
    path = outer.prefix + route.path
    reads = _reads(route.dependant)
    for d in outer.dependencies:
        if d.dependency is not None:
            reads |= {_named(d.dependency)} | _reads(get_dependant(path=path, call=d.dependency))
    return reads


def _named(call: Any) -> str:
    return f"depends:{call.__module__}.{call.__qualname__}"


def _reads(dependant: Dependant) -> set[str]:
    out = {f"path:{p.alias}" for p in dependant.path_params}
    out |= {f"header:{p.alias}" for p in dependant.header_params}
    out |= {f"query:{p.alias}" for p in dependant.query_params}
    out |= {f"cookie:{p.alias}" for p in dependant.cookie_params}
    out |= {
        f"body:{getattr(p.field_info.annotation, '__name__', p.alias)}"
        for p in dependant.body_params
    }
    for sub in dependant.dependencies:
        out |= {_named(sub.call)} | _reads(sub)
    return out
