"""The gateway's policy table and the services' own API documents agree: every route a
service serves has exactly one policy row, every row names a route its service serves, and
every path id is either located by the gateway or marked as found by the service.

No system is started: each service's app is built (not run) and asked for its document.
"""

from __future__ import annotations

import importlib
import re
from collections import Counter

from gateway_app.policy import PolicyTable
from gateway_app.route import Route
from gateway_app.settings import UPSTREAMS
from gateway_app.unlocated import UNLOCATED, WITHIN_PARENT

# The web front-end's pages are routed by prefix ({page*} rows): they are not API routes.
API_SERVICES = [name for name in UPSTREAMS if name != "web"]
OWN_PATHS = ("/healthz", "/readyz", "/metrics")
METHODS = ("get", "post", "put", "patch", "delete")


def shape(path: str) -> str:
    return re.sub(r"\{\w+\*?\}", "{}", path)


def served(service: str) -> set[tuple[str, str]]:
    main = importlib.import_module(f"{service}_svc.main")
    settings = importlib.import_module(f"{service}_svc.settings").Settings
    app = main.create_app(settings(database_url="postgresql+asyncpg://u@127.0.0.1:9/none"))
    document = app.openapi()
    return {
        (method.upper(), shape(path))
        for path, operations in document["paths"].items()
        for method in operations
        if method in METHODS and not path.startswith("/internal/") and path not in OWN_PATHS
    }


def row_key(route: Route) -> tuple[str, str]:
    return route.method, shape(route.forward or route.path)


def test_every_service_route_has_exactly_one_policy_row_and_the_reverse() -> None:
    routes = PolicyTable().routes
    problems: list[str] = []
    for service in API_SERVICES:
        rows = [r for r in routes if r.service == service]
        # A row forwarding to another path (a personal link's view) is an alias of that route.
        counts = Counter(row_key(r) for r in rows if r.forward is None)
        aliases = {row_key(r) for r in rows if r.forward is not None}
        serves = served(service)
        problems += [
            f"{service} serves {m} {p} with no policy row" for m, p in serves - set(counts)
        ]
        problems += [
            f"{service} has no route for the policy row {m} {p}"
            for m, p in (set(counts) | aliases) - serves
        ]
        problems += [f"{service}: {n} rows for {k}" for k, n in counts.items() if n > 1]
    assert sorted(problems) == []


def test_every_path_id_is_located_or_marked_as_found_by_the_service() -> None:
    unmarked: list[str] = []
    for route in PolicyTable().routes:
        for param in re.findall(r"\{(\w+)\*?\}", route.path):
            if param in route.locate or param in UNLOCATED:
                continue
            if param in WITHIN_PARENT and (route.locate or route.realm == "portal"):
                continue
            unmarked.append(f"{route.method} {route.path}: {{{param}}}")
    assert unmarked == []
