"""RFC 8058 one-click unsubscribe: a POST to the link in List-Unsubscribe opts the client
out of that letter's category on that channel. Only POST: mail scanners follow GET links."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse

from crm_platform.errors import NotFoundError
from crm_platform.internal_auth import PrincipalDep
from notifications_svc.deps import ContextDep
from notifications_svc.messages.repository import MessagesRepository

router = APIRouter()


@router.post("/unsubscribe/{token}", response_class=PlainTextResponse)
async def unsubscribe(
    token: str, request: Request, principal: PrincipalDep, ctx: ContextDep
) -> str:
    message_id = request.app.state.unsubscribe.message_of(token)
    repo = MessagesRepository(ctx.session)
    msg = await repo.message(message_id) if message_id else None
    if msg is None or msg.client_id is None or msg.category == "transactional":
        raise NotFoundError("link")
    await repo.add_opt_out(
        msg.tenant_id,
        msg.client_id,
        msg.category,
        msg.channel,
        source="unsubscribe",
        created_at=ctx.now(),
    )
    return "You are unsubscribed.\n"
