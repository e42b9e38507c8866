"""What one row of the gateway's policy table says: the method and public path, the service
behind it, the permission it needs (and which roles hold it), and which path parameters and
query filters locate the resource for group-level access."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["branch", "group", "client", "lesson"]
Realm = Literal["public", "staff", "portal", "link", "operator"]

# permission -> roles that hold it. "finance.read" is also withheld from a teacher whose
# finances are hidden.
PERMISSIONS: dict[str, frozenset[str]] = {
    "public": frozenset(),
    "portal": frozenset(),
    # An anonymous personal link: its token, resolved by clients on every request.
    "link": frozenset(),
    # operators run the system for every organisation: their own realm, no staff role
    "operator": frozenset(),
    "staff": frozenset({"owner", "admin", "teacher", "accountant"}),
    "org.manage": frozenset({"owner"}),
    "staff.read": frozenset({"owner", "admin"}),
    "clients.read": frozenset({"owner", "admin", "teacher", "accountant"}),
    "clients.write": frozenset({"owner", "admin", "teacher"}),
    "finance.read": frozenset({"owner", "admin", "accountant", "teacher"}),
    "finance.write": frozenset({"owner", "admin", "accountant"}),
    "journal.read": frozenset({"owner", "admin", "teacher", "accountant"}),
    "journal.write": frozenset({"owner", "admin"}),
    "journal.mark": frozenset({"owner", "admin", "teacher"}),
    "notifications.manage": frozenset({"owner", "admin"}),
    # knowledge centre: owners for the chain, admins for their branches (the portal checks)
    "portal.publish": frozenset({"owner", "admin"}),
}


# An anonymous personal link's token (URL-safe base64, as clients issues them).
TOKEN_PATTERN = "[A-Za-z0-9_-]{20,200}"
UUID_PATTERN = "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    service: str
    permission: str
    locate: dict[str, Kind] = field(default_factory=dict)
    query: dict[str, Kind] = field(default_factory=dict)
    # The service's path, when it differs from the public one (a link's token stays here).
    forward: str | None = None
    # A body limit of its own (file uploads), instead of the gateway's.
    max_body_bytes: int | None = None

    @property
    def realm(self) -> Realm:
        if self.permission in ("public", "portal", "link", "operator"):
            return self.permission  # type: ignore[return-value]
        return "staff"

    def pattern(self) -> re.Pattern[str]:
        def param(m: re.Match[str]) -> str:
            shape = TOKEN_PATTERN if m.group(1) == "token" else UUID_PATTERN
            return f"(?P<{m.group(1)}>{shape})"

        # {name*} (web pages only) is the rest of the path; {name} one id (or token).
        regex = re.sub(r"\{(\w+)\*\}", r"(?P<\1>.+)", self.path)
        regex = re.sub(r"\{(\w+)\}", param, regex)
        return re.compile(f"^{regex}$")


def row(
    method: str,
    path: str,
    service: str,
    permission: str,
    query: dict[str, Kind] | None = None,
    **locate: Kind,
) -> Route:
    return Route(method, path, service, permission, dict(locate), dict(query or {}))


def allowed(permission: str, role: str | None, finances_hidden: bool) -> bool:
    if role is None or role not in PERMISSIONS[permission]:
        return False
    return not (permission == "finance.read" and role == "teacher" and finances_hidden)
