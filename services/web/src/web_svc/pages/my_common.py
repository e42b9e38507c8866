"""What every signed-in portal page shares: the family switcher (whom this account may look
at, and which of them the page is about) and the sections' menu. The client a page is about
comes from the address (?client=...), so every page and link follows the switcher; the portal
API answers 404 for a client outside the account's family, whatever the address says."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from web_svc.deps import Caller
from web_svc.render import N_

P = "/portal/v1"
# (path, label): the portal's sections, in the order of the menu.
SECTIONS: tuple[tuple[str, str], ...] = (
    ("/my", N_("Overview")),
    ("/my/attendance", N_("Attendance")),
    ("/my/payments", N_("Payments")),
    ("/my/messages", N_("Messages")),
    ("/my/makeups", N_("Make-ups")),
    ("/my/knowledge", N_("Knowledge centre")),
    ("/my/profile", N_("Profile")),
    ("/my/preferences", N_("Notifications")),
)


def client_id(value: str | None) -> str | None:
    """The ?client= of the address, if it is an id at all (else the account's own client)."""
    try:
        return str(uuid.UUID(str(value))) if value else None
    except ValueError:
        return None


class Family:
    """The account's switcher and the client chosen in it."""

    def __init__(self, me: dict[str, Any], chosen: str | None) -> None:
        self.me = me
        self.clients: list[dict[str, Any]] = list(me.get("clients") or [])
        self.current = chosen or str(me.get("linked_client_id") or "")
        found = [c for c in self.clients if c.get("client_id") == self.current]
        self.person: dict[str, Any] = found[0] if found else {}

    @property
    def name(self) -> str:
        return " ".join(
            p for p in (self.person.get("first_name"), self.person.get("last_name")) if p
        )

    def href(self, path: str, **more: Any) -> str:
        """An address of the portal about the chosen client."""
        query = {"client": self.current, **{k: v for k, v in more.items() if v}}
        return f"{path}?{urlencode(query)}" if self.current else path

    def params(self, **more: Any) -> dict[str, Any]:
        return {"client_id": self.current, **{k: v for k, v in more.items() if v}}

    def context(self, section: str) -> dict[str, Any]:
        return {"family": self, "sections": SECTIONS, "section": section}


async def family_of(caller: Caller, client: str | None) -> Family:
    chosen = client_id(client)
    me = await caller.get(f"{P}/me", client_id=chosen)
    return Family(me, chosen)
