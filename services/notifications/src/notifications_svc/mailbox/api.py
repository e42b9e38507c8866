"""The development mailbox: with no SMTP server configured, every letter is a file under
var/mailbox; the owner lists them here (newest first) to see what the system would send."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Query, Request

from crm_platform.errors import ProblemError
from crm_platform.internal_auth import PrincipalDep
from notifications_svc.access import require_owner
from notifications_svc.channels.email import read_mailbox

router = APIRouter()


@router.get("/dev-mailbox")
async def dev_mailbox(
    request: Request, principal: PrincipalDep, limit: int = Query(50, ge=1, le=200)
) -> dict[str, Any]:
    require_owner(principal)
    folder = request.app.state.mailbox
    if folder is None:
        raise ProblemError(404, "Not Found", "letters go to an SMTP server; no mailbox here")
    letters = await asyncio.to_thread(read_mailbox, folder, limit)
    return {"folder": str(folder), "items": letters}
