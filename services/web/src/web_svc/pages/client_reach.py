"""The card's "Reach": how the client can be reached, as notifications says. The card still
renders when notifications does not answer (or does not know the client yet), with a notice."""

from __future__ import annotations

from typing import Any

from web_svc.deps import Caller
from web_svc.gateway import ApiError, GatewayUnreachableError

NO = "/api/v1/notifications"


async def reach_of(caller: Caller, client_id: str) -> dict[str, Any]:
    """{"state": "ok", "data": the answer}, else "unknown" (404: not known there yet, or not
    the caller's to see there) or "down" (no answer)."""
    try:
        data = await caller.get(f"{NO}/clients/{client_id}/reach")
    except ApiError as exc:
        return {"state": "unknown" if exc.status == 404 else "down", "data": None}
    except GatewayUnreachableError:
        return {"state": "down", "data": None}
    return {"state": "ok", "data": data}
