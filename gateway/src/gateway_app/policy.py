"""Every public route of every context, in one table. Deny by default: a route that is not
here answers 404 at the gateway and never reaches a service.

Each route names the service behind it, the permission it needs, and which path parameters
locate the resource (its group, branch, client or lesson) so that the gateway can check the
caller may see it; a path parameter that locates nothing is marked organisation-wide
(`ORG_WIDE`): the service finds it within the caller's organisation and scope. Every path
parameter is a UUID, so `..` or any other text never matches a route. Query filters that name
a client, group or branch are located the same way when present (`query`). Collection routes
are filtered by the service with the scope carried in the internal token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway_app.route import PERMISSIONS, Route
from gateway_app.routes import ROUTES


@dataclass(frozen=True)
class Match:
    route: Route
    params: dict[str, str]


class PolicyTable:
    def __init__(self, routes: tuple[Route, ...] = ROUTES) -> None:
        self.routes = routes
        self._static: dict[tuple[str, str], Route] = {}
        self._dynamic: dict[str, list[tuple[re.Pattern[str], Route]]] = {}
        for route in routes:
            if route.permission not in PERMISSIONS:
                raise ValueError(f"{route.method} {route.path}: unknown permission")
            if "{" in route.path:
                self._dynamic.setdefault(route.method, []).append((route.pattern(), route))
            else:
                self._static[(route.method, route.path)] = route

    def match(self, method: str, path: str) -> Match | None:
        """The route of exactly this path: a trailing slash is another path (404), so no
        service ever answers with a redirect to its own address."""
        route = self._static.get((method, path))
        if route is not None:
            return Match(route, {})
        for pattern, candidate in self._dynamic.get(method, ()):
            found = pattern.match(path)
            if found:
                return Match(candidate, found.groupdict())
        return None
